"""The form HR and department heads record a completion with."""

from django import forms
from django.utils.translation import gettext_lazy

from lms.records.services import EARLIEST_COMPLETION_DAY, TOO_EARLY


class CompletionRecordForm(forms.Form):
    course = forms.TypedChoiceField(label=gettext_lazy("Course"), coerce=int)
    completed_on = forms.DateField(
        label=gettext_lazy("Date completed"), widget=forms.DateInput(attrs={"type": "date"})
    )
    completed_time = forms.TimeField(
        label=gettext_lazy("Time completed (Japan time)"),
        required=False,
        help_text=gettext_lazy("Optional. Without a time, 0:00 of that day."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy("e.g. attended the classroom session on information security"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(
        label=gettext_lazy("Evidence (optional)"),
        required=False,
        help_text=gettext_lazy(
            "A certificate or attendance record: PDF, PNG or JPEG, up to 10 MB."
        ),
    )

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day < EARLIEST_COMPLETION_DAY:
            raise forms.ValidationError(TOO_EARLY)
        return day

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", "---------")] + [
            (course.pk, course.title) for course in courses
        ]


class CompletionImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Completions (CSV or Excel)"),
        help_text=gettext_lazy("CSV in UTF-8 or Shift_JIS (CP932), or .xlsx, up to 5 MB."),
    )
