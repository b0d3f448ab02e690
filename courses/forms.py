"""The editor's forms of course and module pages (Wagtail's ``base_form_class``).

Models are imported inside the methods: this module is imported by ``courses.models``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

PREREQUISITE_SELF = _("A course cannot require itself. Remove it from the prerequisites.")
PREREQUISITE_LOOP = _(
    "These prerequisites would form a loop (%(loop)s). Remove one of them so that the "
    "courses can be taken in order."
)


class CoursePageForm(WagtailAdminPageForm):
    """Offers as prerequisites only the courses of the same learning home (a town's tree:
    its site's root, ``lms/towns.py``), so a tampered POST naming another town's course is
    refused by the field; a prerequisite loop is refused with a message in the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "prerequisites" not in self.fields:
            return
        from .models import CoursePage, LearningHomePage

        inside = self.instance if self.instance.pk else self.parent_page
        home = (
            Page.objects.ancestor_of(inside, inclusive=True).type(LearningHomePage).first()
            if inside is not None and inside.path
            else None
        )
        courses = CoursePage.objects.none()
        if home is not None:
            courses = CoursePage.objects.descendant_of(home).order_by("path")
            if self.instance.pk:
                courses = courses.exclude(pk=self.instance.pk)
        self.fields["prerequisites"].queryset = courses

    def clean_prerequisites(self):
        from .prerequisites import prerequisite_loop

        chosen = self.cleaned_data["prerequisites"]
        if self.instance.pk and any(course.pk == self.instance.pk for course in chosen):
            raise forms.ValidationError(PREREQUISITE_SELF, code="prerequisite_self")
        if self.instance.pk:
            loop = prerequisite_loop(
                course_id=self.instance.pk, prerequisite_ids=[course.pk for course in chosen]
            )
            if loop:
                raise forms.ValidationError(
                    PREREQUISITE_LOOP,
                    code="prerequisite_loop",
                    params={"loop": " → ".join(loop)},
                )
        return chosen


class ModulePageForm(WagtailAdminPageForm):
    """「全員に再確認を求める」: ticked, the saved revision raises the module's attestation
    version, so everyone attests again once it is published (earlier attestations stay)."""

    attestation_renew = forms.BooleanField(
        label=_("Ask everyone to attest again (全員に再確認を求める)"),
        required=False,
        help_text=_(
            "Tick for a major revision: once published, every learner must tick "
            "「内容を確認し、遵守します」 again. Earlier attestations are kept."
        ),
    )

    def save(self, commit=True):
        # The instance holds the cleaned fields already (the form's ``_post_clean``).
        page = self.instance
        if self.cleaned_data.get("attestation_renew") and page.requires_attestation:
            page.attestation_version = (page.attestation_version or 1) + 1
        return super().save(commit=commit)


ATTESTATION_NOT_TICKED = _(
    "Please tick 「内容を確認し、遵守します」 before you submit. Nothing was recorded."
)


class AttestationForm(forms.Form):
    """The learner's 「内容を確認し、遵守します」 (the module page's attestation box)."""

    agree = forms.BooleanField(label=_("I have read the content and will comply with it."))
