"""Editing a person's posts together (the admin's membership rows): one primary post a day."""

from django.forms.models import BaseInlineFormSet

from lms.models.organisation import Membership, one_primary_post_error, posts_overlap


class OnePrimaryPostFormSet(BaseInlineFormSet):
    """A person's memberships, edited at once: no two primary posts (本務) share a day.

    Each row's ``Membership.clean()`` checks the posts that are not on the page; the
    rows on the page are checked against each other here, with their edited dates
    (closing one post and opening the next in the same save is a transfer, not a
    clash). Rows marked for deletion do not count.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.validated_with = self._ids_on_the_page()
        return form

    def _ids_on_the_page(self) -> frozenset:
        """The ids of the posts whose rows were actually submitted (and are compared in
        ``clean``), never the person's whole list: a tampered or stale post that leaves
        existing rows off must still be checked against them."""
        if not hasattr(self, "_page_ids"):
            existing = {str(post.pk): post.pk for post in self.get_queryset()}
            if not self.is_bound:
                self._page_ids = frozenset(existing.values())
            else:
                submitted = (
                    self.data.get(self.add_prefix(i) + "-" + self.model._meta.pk.name)
                    for i in range(self.initial_form_count())
                )
                self._page_ids = frozenset(
                    existing[str(pk)] for pk in submitted if str(pk) in existing
                )
        return self._page_ids

    def clean(self):
        super().clean()
        primaries = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if form.errors or not data or data.get("DELETE") or not data.get("is_primary"):
                continue
            if not data.get("valid_from"):
                continue
            primaries.append(form)
        for index, form in enumerate(primaries):
            data = form.cleaned_data
            for other in primaries[:index]:
                theirs = other.cleaned_data
                if posts_overlap(
                    data["valid_from"],
                    data.get("valid_to"),
                    theirs["valid_from"],
                    theirs.get("valid_to"),
                ):
                    raise one_primary_post_error(_unsaved(theirs))


def _unsaved(data) -> Membership:
    """The row as the error message names it (its department and first day)."""
    return Membership(department=data["department"], valid_from=data["valid_from"])
