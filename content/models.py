from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import RevisionMixin
from wagtail.search import index

from .search import BigramAutocompleteField, index_tokens

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _hiragana(text: str) -> str:
    return text.translate(_KATAKANA_TO_HIRAGANA)


class GlossaryTerm(RevisionMixin, index.Indexed, models.Model):
    """A term from the DX plan (DX, RPA, デジタルデバイド …), placed in modules by a block."""

    term = models.CharField(_("term"), max_length=100, unique=True)
    reading = models.CharField(
        _("reading"), max_length=100, blank=True, help_text=_("Kana reading, for sorting.")
    )
    definition = models.TextField(_("definition"))
    # Deleting a term deletes its revisions too.
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="glossaryterm")

    panels = [FieldPanel("term"), FieldPanel("reading"), FieldPanel("definition")]
    search_fields = [
        index.SearchField("term"),
        index.SearchField("reading"),
        index.SearchField("definition"),
        index.AutocompleteField("term"),
        BigramAutocompleteField("term"),
        index.SearchField("search_bigrams"),
    ]

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")
        ordering = ["reading", "term"]

    def __str__(self):
        return self.term

    @property
    def shown_reading(self) -> str:
        """The reading to print beside the term: none when the term is itself written in
        kana (ローコード（ローコード）reads the term twice); the reading stays for sorting."""
        if not self.reading or _hiragana(self.reading) == _hiragana(self.term):
            return ""
        return self.reading

    def search_bigrams(self) -> str:
        """The tokens of the term, its reading and definition (content/search.py), so that
        words inside Japanese text are found."""
        return index_tokens(self.term, self.reading, self.definition)

    @property
    def revisions(self):
        return self._revisions
