"""Forms of the report screens: a report for a chosen date, a rebuild with its reason."""

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from courses.fiscal import fiscal_year_bounds, fiscal_year_of
from lms.models import ReportRun

EARLIEST_FISCAL_YEAR = 2000


class ReportRequestForm(forms.Form):
    """A report for a fiscal year and an as-of date within it, not in the future.

    Without a date: the end of the fiscal year (31 March), or today in the current one.
    """

    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"),
        min_value=EARLIEST_FISCAL_YEAR,
        help_text=_(
            "The year in which the fiscal year starts, e.g. 2025 for April 2025 – March 2026."
        ),
        error_messages={"invalid": _("Enter the fiscal year as a year, e.g. 2025.")},
    )
    as_of = forms.DateField(
        label=_("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Leave empty for the end of the fiscal year (31 March), or today in the current year."
        ),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["fiscal_year"].initial = fiscal_year_of(today)
        self.fields["fiscal_year"].widget.attrs["max"] = fiscal_year_of(today)
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()

    def clean_fiscal_year(self):
        fiscal_year = self.cleaned_data["fiscal_year"]
        if fiscal_year > fiscal_year_of(self.today):
            raise forms.ValidationError(_("That fiscal year has not started yet."))
        return fiscal_year

    def clean(self):
        cleaned = super().clean()
        fiscal_year, as_of = cleaned.get("fiscal_year"), cleaned.get("as_of")
        if fiscal_year is None or "as_of" in self.errors:
            return cleaned
        start, end = fiscal_year_bounds(fiscal_year)
        if as_of is None:
            cleaned["as_of"] = min(end, self.today)
        elif not start <= as_of <= end:
            self.add_error(
                "as_of",
                _("Enter a date within fiscal year %(year)s (%(start)s to %(end)s).")
                % {
                    "year": fiscal_year,
                    "start": date_format(start, "DATE_FORMAT"),
                    "end": date_format(end, "DATE_FORMAT"),
                },
            )
        elif as_of > self.today:
            self.add_error("as_of", _("The as-of date cannot be in the future."))
        return cleaned


class ReportRebuildForm(forms.Form):
    """Why a report that already exists is made again; the note is optional."""

    reason = forms.ChoiceField(
        label=_("Reason for the rebuild"),
        choices=[("", _("Choose a reason"))] + ReportRun.RebuildReason.choices,
        error_messages={"required": _("Choose why the report is made again.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=ReportRun._meta.get_field("rebuild_note").max_length,
        required=False,
        help_text=_("For example, what was corrected. Recipients read it in the e-mail."),
    )
