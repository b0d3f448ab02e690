"""The forms of the session screens: HR's session form and the register-a-person form."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lms.models import TrainingSession, User

ORGANISER_UNKNOWN = gettext_lazy("No member of staff of your town has this staff number.")
PERSON_UNKNOWN = gettext_lazy("No member of staff of your town has this staff number.")


class SessionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Session title"), max_length=200)
    course = forms.TypedChoiceField(
        label=gettext_lazy("Course"),
        coerce=int,
        help_text=gettext_lazy("Attending the session completes this course."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TrainingSession.Kind.choices)
    day = forms.DateField(
        label=gettext_lazy("Day of the session"), widget=forms.DateInput(attrs={"type": "date"})
    )
    starts = forms.TimeField(
        label=gettext_lazy("Starts at (Japan time)"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    ends = forms.TimeField(
        label=gettext_lazy("Ends at (Japan time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(
        label=gettext_lazy("Place or online address"),
        max_length=300,
        help_text=gettext_lazy("A room, or the address of the online meeting (shown as text)."),
    )
    capacity = forms.IntegerField(label=gettext_lazy("Capacity"), min_value=1, max_value=10000)
    minutes = forms.IntegerField(
        label=gettext_lazy("Learning time (minutes)"), min_value=1, max_value=24 * 60
    )
    organiser = forms.CharField(
        label=gettext_lazy("Organiser's staff number"),
        max_length=50,
        help_text=gettext_lazy("The organiser records the attendance."),
    )

    def __init__(self, *args, courses, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["course"].choices = [("", "---------")] + [
            (course.pk, course.title) for course in courses
        ]

    def clean_organiser(self):
        number = self.cleaned_data["organiser"].strip()
        person = User.objects.filter(
            organization=self.organization, staff_number=number, is_active=True
        ).first()
        if person is None:
            raise forms.ValidationError(ORGANISER_UNKNOWN)
        return person

    def session_fields(self) -> dict:
        """The service's fields: aware times of the day in Japan, the course and organiser."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "course_id": data["course"],
            "kind": data["kind"],
            "starts_at": timezone.make_aware(
                datetime.datetime.combine(data["day"], data["starts"])
            ),
            "ends_at": timezone.make_aware(datetime.datetime.combine(data["day"], data["ends"])),
            "place": data["place"],
            "capacity": data["capacity"],
            "minutes": data["minutes"],
            "organiser": data["organiser"],
        }

    @classmethod
    def initial_of(cls, session: TrainingSession) -> dict:
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        return {
            "title": session.title,
            "course": session.course_id,
            "kind": session.kind,
            "day": start.date(),
            "starts": start.time().replace(second=0, microsecond=0),
            "ends": end.time().replace(second=0, microsecond=0),
            "place": session.place,
            "capacity": session.capacity,
            "minutes": session.minutes,
            "organiser": session.organiser.staff_number,
        }


class RegisterPersonForm(forms.Form):
    staff_number = forms.CharField(label=gettext_lazy("Staff number"), max_length=50)
