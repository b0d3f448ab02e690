"""研修管理's screens (departments, positions, track assignments, exemptions), each limited
to the editor's towns (exemptions: to the towns where the editor is HR).

The towns are ``organization_ids_administered_by`` (``lms.people.permissions``), the one
seam for "the editor's towns". Here they limit:

- what is listed, exported and filtered (``TownScopedPermissionPolicy`` gives the rows,
  ``InTownsIndexView`` lists them; the filters offer only the editor's towns);
- what opens: another town's row is not found (404) in every view that takes an id
  (edit, delete, copy, history, usage, inspect) — ``InTownsObjectMixin``;
- what a form offers and accepts: organisation, parent department, departments,
  positions and track are those of the editor's towns, and those of the chosen
  organisation; a tampered POST naming another town's row is refused with a message in
  the field and saves nothing (``TownScopedForm`` and its subclasses).

Model permissions still decide *what* one may do (the HR group's add/change/delete); the
towns decide *where*. A superuser without a post in a town sees and changes no town's rows.
"""

import re

import django_filters
from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.widgets import AdminDateInput
from wagtail.permission_policies import ModelPermissionPolicy

from courses.fiscal import local_today
from lms.models import Department, Exemption, Organization, Position, TrackAssignment, User
from lms.people.permissions import (
    exemption_towns,
    organization_ids_administered_by,
    organizations_administered_by,
    users_administering,
)
from lms.people.posts import organization_of
from lms.people.roles import Role
from lms.spreadsheets import PrintHeading, XlsxReport, csv_safe, local_value
from lms.towns import people_of_towns, tracks_of_towns

EVERY_ACTION = ["add", "change", "delete", "view"]

NOT_YOUR_TOWN = _("Choose one of the options shown: this one is not in your town.")
NOT_YOUR_TOWNS = _("Choose among the options shown: %(value)s is not in your town.")
TRACK_OF_ANOTHER_ORGANISATION = _("Choose a track of the organisation chosen above.")
DEPARTMENTS_OF_ANOTHER_ORGANISATION = _("Choose only departments of the organisation chosen above.")
POSITIONS_OF_ANOTHER_ORGANISATION = _("Choose only positions of the organisation chosen above.")
PERSON_OF_ANOTHER_ORGANISATION = _("Choose a person of the organisation chosen above.")


def editor_towns(user):
    """The editor's towns today, as a subquery of ids."""
    return organization_ids_administered_by(user, day=local_today())


class TownScopedPermissionPolicy(ModelPermissionPolicy):
    """Django's model permissions, on the rows of the user's towns only.

    ``organization_field`` names the model's foreign key to ``Organization``.
    """

    organization_field = "organization"

    def user_has_permission(self, user, action):
        if not super().user_has_permission(user, action):
            return False
        # The platform operator holds no role in any town (docs/security.md): a superuser
        # without a post in a town has no 研修管理 screens at all, rather than empty ones.
        return not user.is_superuser or editor_towns(user).exists()

    def instances_in_towns_of(self, user):
        return self.model._default_manager.filter(
            **{f"{self.organization_field}_id__in": editor_towns(user)}
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return self.model._default_manager.none()
        return self.instances_in_towns_of(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and self.in_towns_of(user, instance)

    def in_towns_of(self, user, instance) -> bool:
        organization_id = getattr(instance, f"{self.organization_field}_id")
        return Organization.objects.filter(pk=organization_id, pk__in=editor_towns(user)).exists()

    def users_with_any_permission_for_instance(self, actions, instance):
        organization_id = getattr(instance, f"{self.organization_field}_id")
        return self.users_with_any_permission(actions).filter(
            pk__in=users_administering(organization_id, day=local_today()).values("pk")
        )


class ExemptionPermissionPolicy(TownScopedPermissionPolicy):
    """Exemptions: listed, added and changed by HR of the town (``exemption_towns``), never
    deleted (``lms/exemptions.py``); Django's model permissions play no part."""

    ACTIONS = ("add", "change", "view")

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and exemption_towns(user, day=local_today()).exists()

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def instances_in_towns_of(self, user):
        return Exemption.objects.filter(
            organization_id__in=exemption_towns(user, day=local_today())
        )

    def in_towns_of(self, user, instance) -> bool:
        return self.instances_in_towns_of(user).filter(pk=instance.pk).exists()

    def users_with_any_permission(self, actions):
        if not set(actions) & set(self.ACTIONS):
            return User.objects.none()
        return User.objects.filter(is_active=True, groups__name=Role.HR).distinct()

    def users_with_any_permission_for_instance(self, actions, instance):
        return self.users_with_any_permission(actions).filter(
            pk__in=users_administering(instance.organization_id, day=local_today()).values("pk")
        )


# --- Views -----------------------------------------------------------------------------


class InTownsIndexView(generic.IndexView):
    """The listing (and its CSV/XLSX export): the rows of the editor's towns, with what
    the columns show read in the same query (``list_select_related``).

    The export is fixed for Excel in Japanese offices: times in Japan time; the CSV with a
    BOM and formulas escaped; the XLSX written by ``XlsxReport`` (strings stored as text, so
    shown without an apostrophe, and set up for printing)."""

    list_select_related: tuple = ()
    # Column width in the XLSX (characters); the listings have short columns.
    XLSX_COLUMN_WIDTH = 24

    def get_base_queryset(self):
        rows = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, EVERY_ACTION
        )
        return rows.select_related(*self.list_select_related) if self.list_select_related else rows

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def preprocess_field_value(self, field, value, export_format):
        # Japan time first (Wagtail would write aware date-times in UTC), then Wagtail's
        # own preprocessing (lists, …); the CSV is escaped last, on what is written.
        value = super().preprocess_field_value(field, local_value(value), export_format)
        return csv_safe(value) if export_format == self.FORMAT_CSV else value

    def write_xlsx(self, queryset, output):
        today = local_today()
        organization = organization_of(self.request.user, day=today)
        title = str(capfirst(self.model._meta.verbose_name_plural))
        report = XlsxReport(
            PrintHeading(town=organization.name if organization else "", title=title, as_of=today)
        )
        sheet = re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "Sheet1"  # what Excel allows
        report.add_sheet(
            sheet,
            [self.get_heading(queryset, field) for field in self.list_export],
            [self.XLSX_COLUMN_WIDTH] * len(self.list_export),
        )
        for item in queryset:
            report.append(
                sheet,
                [
                    self.preprocess_field_value(field, value, self.FORMAT_XLSX)
                    for field, value in self.to_row_dict(item).items()
                ],
            )
        report.save(output)


class InTownsObjectMixin:
    """A view of one row: another town's row is not found, whatever the view."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not self.permission_policy.in_towns_of(self.request.user, instance):
            raise Http404
        return instance


class InTownsEditView(InTownsObjectMixin, generic.EditView):
    pass


class InTownsDeleteView(InTownsObjectMixin, generic.DeleteView):
    pass


class InTownsHistoryView(InTownsObjectMixin, HistoryView):
    pass


class InTownsUsageView(InTownsObjectMixin, UsageView):
    pass


class InTownsInspectView(InTownsObjectMixin, generic.InspectView):
    pass


class InTownsCopyView(generic.CopyView):
    """Copying another town's row: not found (Wagtail's copy view would say "denied")."""

    def get_object(self, queryset=None):
        return get_object_or_404(
            self.permission_policy.instances_in_towns_of(self.request.user),
            pk=self.kwargs[self.pk_url_kwarg],
        )


# --- Filters ---------------------------------------------------------------------------


def _towns_of_request(request):
    return organizations_administered_by(request.user, day=local_today())


class InTownsFilterSet(WagtailFilterSet):
    """The organisation filter offers the editor's towns only (another town's id in the
    address is an invalid filter, and the listing stays the editor's)."""

    organization = django_filters.ModelChoiceFilter(
        label=_("organisation"), queryset=_towns_of_request
    )


class DepartmentFilterSet(InTownsFilterSet):
    class Meta:
        model = Department
        fields = ["organization", "level"]


class ExemptionFilterSet(InTownsFilterSet):
    class Meta:
        model = Exemption
        fields = ["organization", "reason"]


class TrackAssignmentFilterSet(InTownsFilterSet):
    class Meta:
        model = TrackAssignment
        fields = ["fiscal_year", "organization", "applies_to_all"]


# --- Forms -----------------------------------------------------------------------------


def _limit(field, queryset, message=NOT_YOUR_TOWN):
    field.queryset = queryset
    field.error_messages = {**field.error_messages, "invalid_choice": message}


class TownScopedForm(WagtailAdminModelForm):
    """The organisation is one of the editor's towns (preselected when there is one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.town_ids = editor_towns(user) if user is not None else Organization.objects.none()
        towns = Organization.objects.filter(pk__in=self.town_ids)
        _limit(self.fields["organization"], towns)
        if self.instance.pk is None and not self.is_bound:
            only = list(towns[:2])
            if len(only) == 1:
                self.initial.setdefault("organization", only[0].pk)


class DepartmentForm(TownScopedForm):
    class Meta:
        model = Department
        fields = ["organization", "parent", "code", "name", "level", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Department.objects.filter(organization_id__in=self.town_ids)
        if self.instance.pk is not None:
            # Not under itself or its own units (the model's clean says so in words too).
            parents = parents.exclude(
                organization_id=self.instance.organization_id,
                path__startswith=self.instance.path,
            )
        _limit(self.fields["parent"], parents)


class PositionForm(TownScopedForm):
    class Meta:
        model = Position
        fields = ["organization", "code", "name", "rank"]


class TrackAssignmentForm(TownScopedForm):
    """Track, departments and positions: the editor's towns', and the chosen
    organisation's (an HR officer of two towns cannot mix them)."""

    class Meta:
        model = TrackAssignment
        fields = [
            "organization",
            "track",
            "fiscal_year",
            "due_date",
            "applies_to_all",
            "departments",
            "positions",
        ]
        # A plain list of the town's tracks: Wagtail's page chooser would browse every town.
        widgets = {"track": forms.Select, "due_date": AdminDateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["track"], tracks_of_towns(self.town_ids).order_by("path"))
        _limit(
            self.fields["departments"],
            Department.objects.filter(organization_id__in=self.town_ids),
            NOT_YOUR_TOWNS,
        )
        _limit(
            self.fields["positions"],
            Position.objects.filter(organization_id__in=self.town_ids),
            NOT_YOUR_TOWNS,
        )

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        if organization is None:
            return cleaned
        track = cleaned.get("track")
        towns_tracks = tracks_of_towns([organization.pk])
        if track is not None and not towns_tracks.filter(pk=track.pk).exists():
            self.add_error("track", TRACK_OF_ANOTHER_ORGANISATION)
        if any(d.organization_id != organization.pk for d in cleaned.get("departments") or []):
            self.add_error("departments", DEPARTMENTS_OF_ANOTHER_ORGANISATION)
        if any(p.organization_id != organization.pk for p in cleaned.get("positions") or []):
            self.add_error("positions", POSITIONS_OF_ANOTHER_ORGANISATION)
        return cleaned


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.staff_number} {obj.get_full_name()}".strip()


class ExemptionForm(TownScopedForm):
    """Person and track: the editor's towns', and the chosen organisation's. Saved by the
    services of ``lms/exemptions.py`` (the views call them), never by ``save()``."""

    class Meta:
        model = Exemption
        fields = ["organization", "user", "track", "starts_on", "ends_on", "reason", "note"]
        field_classes = {"user": PersonChoiceField}
        widgets = {
            "track": forms.Select,
            "starts_on": AdminDateInput,
            "ends_on": AdminDateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(
            self.fields["user"],
            User.objects.filter(pk__in=people_of_towns(self.town_ids)).order_by(
                "staff_number", "pk"
            ),
        )
        _limit(self.fields["track"], tracks_of_towns(self.town_ids).order_by("path"))

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        if organization is None:
            return cleaned
        track, user = cleaned.get("track"), cleaned.get("user")
        if (
            track is not None
            and not tracks_of_towns([organization.pk]).filter(pk=track.pk).exists()
        ):
            self.add_error("track", TRACK_OF_ANOTHER_ORGANISATION)
        if (
            user is not None
            and not people_of_towns([organization.pk]).filter(user_id=user.pk).exists()
        ):
            self.add_error("user", PERSON_OF_ANOTHER_ORGANISATION)
        return cleaned
