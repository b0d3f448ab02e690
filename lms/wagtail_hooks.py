"""研修管理 (training administration) in the Wagtail admin, for HR:
departments, positions, track assignments, the staff list import/export, and the
audit log (HR reads the downloads of personal data, site administrators every event, both of
their own towns; the platform operator every event);
for site administrators, the outbox (送信メール: mail sent or not, read-only, with
"send again" for a failed one) and a dashboard panel counting failed mail.
The only admin screens of these models: the Django admin has none of them.

Also who may do what in Wagtail's own screens: the audit log is read-only for everyone
(superusers included), groups are the platform operator's (a group's permissions reach
every town), and the user screens' bulk actions follow the grants (lms.people.grants).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.home import WorkflowObjectsToModeratePanel
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.models import Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from assessments.admin_views import ITEM_ANALYSIS_LEARNERS_HOOK
from content.wagtail_hooks import DOCUMENT_READERS_HOOK
from courses.fiscal import local_today
from courses.models import LEARNER_PAGE_READERS_HOOK
from courses.search import LEARNER_PAGES_SCOPE_HOOK
from courses.selectors import LEARNER_STATUS_HOOK
from courses.wagtail_hooks import ADMIN_PAGES_SCOPE_HOOK, ATTESTATION_READERS_HOOK
from lms.audit import Actor
from lms.exemptions import FIELDS as EXEMPTION_FIELDS
from lms.exemptions import exemption_create, exemption_update
from lms.learner.selectors import learner_status_fill
from lms.models import (
    AuditEvent,
    Department,
    Exemption,
    Membership,
    Organization,
    OutgoingMail,
    Position,
    TrackAssignment,
)
from lms.outbox import (
    MAIL_RESENT,
    MailNotFailed,
    outgoing_mail_failed_count,
    outgoing_mail_resend,
    outgoing_mails_for,
)
from lms.people import roster_views, town_admin
from lms.people.permissions import (
    can_read_attestation_counts,
    can_read_outgoing_mail,
    can_read_town_page,
    is_hr,
    organization_ids_administered_by,
)
from lms.people.roles import Role, user_has_role
from lms.people.town_content import (
    bulk_actions_naming_only_what_they_act_on,
    town_permission_policies,
)
from lms.people.wagtail_users import (
    AuditedAssignRoleBulkAction,
    AuditedSetActiveStateBulkAction,
    NoDeleteBulkAction,
    person_password_reset,
)
from lms.records import views as records_views
from lms.towns import pages_of_towns_q, people_of_towns

TRAINING_MENU_HOOK = "register_training_admin_menu_item"

DOWNLOAD_ACTIONS = [
    AuditEvent.Action.REPORT_DOWNLOADED,
    AuditEvent.Action.ROSTER_EXPORTED,
    AuditEvent.Action.PERSON_DATA_EXPORTED,
]


def reads_every_audit_event(user) -> bool:
    """Site administrators (the town's role) read every event of their towns, the platform
    operator the whole log (``_readable_events``)."""
    return user.is_active and (user.is_superuser or user_has_role(user, Role.ADMIN))


class AuditLogPermissionPolicy(ModelPermissionPolicy):
    """The audit log is append-only: it is read, never added to, changed or deleted
    from the admin, by anyone (superusers included).

    The platform operator reads every event; a town's site administrators every event made
    by or about people of their own towns; holders of the "view" permission on audit
    events (the HR group, since migration 0009) the downloads of personal data made by or
    about people of their own towns. Nobody reads another town's events.
    """

    def user_has_permission(self, user, action):
        return action == "view" and (
            reads_every_audit_event(user) or super().user_has_permission(user, "view")
        )

    def users_with_any_permission(self, actions):
        User = get_user_model()
        if "view" not in actions:
            return User.objects.none()
        holders = super().users_with_any_permission(["view"])
        return User.objects.filter(
            Q(pk__in=holders.values("pk"))
            | Q(is_active=True, groups__name=Role.ADMIN)
            | Q(is_active=True, is_superuser=True)
        ).distinct()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return AuditEvent.objects.none()
        return _readable_events(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return _readable_events(user).filter(pk=instance.pk).exists()

    def users_with_any_permission_for_instance(self, actions, instance):
        if instance.action in DOWNLOAD_ACTIONS:
            return self.users_with_any_permission(actions)
        User = get_user_model()
        if "view" not in actions:
            return User.objects.none()
        return User.objects.filter(
            Q(is_superuser=True) | Q(groups__name=Role.ADMIN), is_active=True
        ).distinct()


def _events_in_towns_of(user):
    """The events whose actor or subject holds or held a post in a town where ``user``
    holds a post today: a town's readers read their own towns' events, not another
    town's. One query (the towns and the people are subqueries), whatever the data."""
    towns = Membership.objects.active_on(local_today()).filter(user=user)
    people = Membership.objects.filter(
        department__organization_id__in=towns.values("department__organization_id")
    ).values("user_id")
    return AuditEvent.objects.filter(Q(actor_id__in=people) | Q(subject_id__in=people))


def _readable_events(user):
    """The operator: every event. A town's administrator: every event of their towns. HR:
    the downloads of personal data of their towns."""
    if user.is_active and user.is_superuser:
        return AuditEvent.objects.all()
    if reads_every_audit_event(user):
        return _events_in_towns_of(user)
    return _events_in_towns_of(user).filter(action__in=DOWNLOAD_ACTIONS)


# Before any viewset asks for the model's policy (Wagtail then refuses a late one).
register_permission_policy(AuditEvent, AuditLogPermissionPolicy(AuditEvent))


class OperatorOnlyPermissionPolicy(BasePermissionPolicy):
    """Everything for active superusers (the platform operator), nothing for anyone else,
    whatever permissions they were given."""

    def user_has_permission(self, user, action):
        return user.is_active and user.is_superuser

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


# Registered before any screen asks Wagtail for these models' policies.
register_permission_policy(Group, OperatorOnlyPermissionPolicy(Group))
for _model in (Department, Position, TrackAssignment):
    register_permission_policy(_model, town_admin.TownScopedPermissionPolicy(_model))
register_permission_policy(Exemption, town_admin.ExemptionPermissionPolicy(Exemption))
# Pages, documents and images: Wagtail's own policies, counting only the permissions on the
# editor's towns' pages and collections (lms/people/town_content.py). Pages: for Page and
# every page type (Wagtail's own is for AbstractPage). Documents and images: for the exact
# classes, which Wagtail asks first (wagtaildocs and wagtailimages register theirs in their
# ``ready()``, which may run after this module is imported).
for _model, _policy in town_permission_policies():
    register_permission_policy(_model, _policy, exact_class=_model is not Page)


class OutgoingMailPermissionPolicy(BasePermissionPolicy):
    """The outbox is read, never added to, changed or deleted from the admin: by a town's
    site administrators, their own towns' mail only (``lms.outbox.outgoing_mails_for``);
    not by HR, not by the platform operator without a post and the role in the town.
    Sending a failed mail again is a service of its own (``outgoing_mail_resend``)."""

    def user_has_permission(self, user, action):
        return action == "view" and can_read_outgoing_mail(user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, groups__name=Role.ADMIN).distinct()

    def instances_user_has_any_permission_for(self, user, actions):
        if "view" not in actions:
            return OutgoingMail.objects.none()
        return outgoing_mails_for(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and outgoing_mails_for(user).filter(pk=instance.pk).exists()


register_permission_policy(OutgoingMail, OutgoingMailPermissionPolicy(OutgoingMail))


class TownScopedViewSet(ModelViewSet):
    """A 研修管理 screen limited to the editor's towns (``lms/people/town_admin.py``):
    listings, exports, filters, every view of one row, and the form's choices."""

    index_view_class = town_admin.InTownsIndexView
    edit_view_class = town_admin.InTownsEditView
    delete_view_class = town_admin.InTownsDeleteView
    copy_view_class = town_admin.InTownsCopyView
    history_view_class = town_admin.InTownsHistoryView
    usage_view_class = town_admin.InTownsUsageView
    inspect_view_class = town_admin.InTownsInspectView
    form_class = None
    list_select_related: tuple = ()

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(list_select_related=self.list_select_related, **kwargs)

    def get_form_class(self, for_update=False):
        return self.form_class


class DepartmentViewSet(TownScopedViewSet):
    model = Department
    icon = "group"
    form_class = town_admin.DepartmentForm
    list_display = ["name", "code", "level", "parent", "organization"]
    list_select_related = ("parent", "organization")
    filterset_class = town_admin.DepartmentFilterSet
    search_fields = ["name", "code"]
    list_export = ["code", "name", "level", "parent", "organization"]
    export_filename = "departments"


class PositionViewSet(TownScopedViewSet):
    model = Position
    icon = "tag"
    form_class = town_admin.PositionForm
    list_display = ["name", "code", "rank", "organization"]
    list_select_related = ("organization",)
    search_fields = ["name", "code"]
    list_export = ["code", "name", "rank", "organization"]
    export_filename = "positions"


class TrackAssignmentViewSet(TownScopedViewSet):
    model = TrackAssignment
    icon = "date"
    form_class = town_admin.TrackAssignmentForm
    # A yes/no field as a tick or a cross, not "True"/"False".
    list_display = [
        "track",
        "fiscal_year",
        "due_date",
        BooleanColumn(
            "applies_to_all",
            label=TrackAssignment._meta.get_field("applies_to_all").verbose_name,
            sort_key="applies_to_all",
        ),
        "organization",
    ]
    list_select_related = ("track", "organization")
    filterset_class = town_admin.TrackAssignmentFilterSet
    list_export = ["track", "fiscal_year", "due_date", "applies_to_all", "organization"]
    export_filename = "track_assignments"


class ServiceRefusalMixin:
    """What the service refuses (a check the form could not make) is shown in the form's
    fields, in Japanese, never as a server error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class ExemptionCreateView(ServiceRefusalMixin, generic.CreateView):
    """Saved by ``exemption_create`` (audited), not by the form."""

    def save_instance(self):
        data = self.form.cleaned_data
        return exemption_create(
            by=Actor.of(self.request), **{name: data[name] for name in EXEMPTION_FIELDS}
        )


class ExemptionEditView(ServiceRefusalMixin, town_admin.InTownsEditView):
    """Saved by ``exemption_update`` (audited, with what it was), not by the form."""

    def save_instance(self):
        data = self.form.cleaned_data
        return exemption_update(
            by=Actor.of(self.request),
            exemption=self.form.instance,
            **{name: data[name] for name in EXEMPTION_FIELDS},
        )


class ExemptionViewSet(TownScopedViewSet):
    """研修管理 → 免除: HR's, for its own town's people and tracks (``lms/exemptions.py``)."""

    model = Exemption
    icon = "pick"
    form_class = town_admin.ExemptionForm
    add_view_class = ExemptionCreateView
    edit_view_class = ExemptionEditView
    copy_view_enabled = False
    list_display = ["user", "track", "starts_on", "ends_on", "reason", "organization"]
    list_select_related = ("user", "track", "organization")
    filterset_class = town_admin.ExemptionFilterSet
    # The reason in words (育児休業), not its stored code.
    list_export = [
        "user",
        "track",
        "starts_on",
        "ends_on",
        "get_reason_display",
        "note",
        "organization",
    ]
    export_headings = {"get_reason_display": Exemption._meta.get_field("reason").verbose_name}
    export_filename = "exemptions"


def _audit_log_title(user):
    return _("Audit log") if reads_every_audit_event(user) else _("Download log")


class AuditLogIndexView(IndexView):
    """The events the user may read (``AuditLogPermissionPolicy``), newest first."""

    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_permission_for(
            self.request.user, "view"
        ).select_related("actor", "subject")

    def get_page_title(self):
        return _audit_log_title(self.request.user)


class AuditLogInspectView(InspectView):
    """One event, among those the user may read (another one is not found)."""

    def get_object(self, queryset=None):
        readable = self.permission_policy.instances_user_has_permission_for(
            self.request.user, "view"
        )
        return get_object_or_404(readable, pk=self.pk)


class AuditLogViewSet(ModelViewSet):
    """Who did what with whose personal data, when, from where: read-only for everyone.

    HR reads the download log (reports, the roster, a person's data); site
    administrators read every event. There are no add, edit, copy or delete views:
    their URLs do not exist, and the permission policy grants only "view".
    """

    model = AuditEvent
    icon = "history"
    url_prefix = "audit-log"
    name = "audit_log"
    index_view_class = AuditLogIndexView
    inspect_view_class = AuditLogInspectView
    list_display = ["occurred_at", "actor", "action", "subject", "ip_address", "detail"]
    list_filter = ["action"]
    list_per_page = 50
    inspect_view_enabled = True
    copy_view_enabled = False
    menu_label = _("Audit log")

    @cached_property
    def menu_item_class(self):
        """Shown to readers of the log, named for what they read."""
        shown_to_readers = super().menu_item_class

        class AuditLogMenuItem(shown_to_readers):
            def render_component(self, request):
                return LinkMenuItem(
                    self.name,
                    _audit_log_title(request.user),
                    self.url,
                    icon_name=self.icon_name,
                    classname=self.classname,
                    attrs=self.attrs,
                )

        return AuditLogMenuItem

    def get_urlpatterns(self):
        # No add, edit, copy, delete, history or usage view: none is built or routed.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def register_admin_url_finder(self):
        pass  # an event has no edit URL to find

    def get_permissions_to_register(self):
        # Only "view" can be given to a group: nothing else is ever allowed.
        return Permission.objects.filter(content_type__app_label="lms", codename="view_auditevent")


class OutgoingMailIndexView(IndexView):
    """The mail of the administrator's towns, newest first."""

    def get_base_queryset(self):
        return outgoing_mails_for(self.request.user).select_related("organization")


class OutgoingMailInspectView(InspectView):
    """One mail of the administrator's towns (another one is not found); a failed one can
    be sent again."""

    def get_object(self, queryset=None):
        return get_object_or_404(outgoing_mails_for(self.request.user), pk=self.pk)

    @cached_property
    def header_more_buttons(self):
        if self.object.status != OutgoingMail.Status.FAILED:
            return []
        return [
            Button(
                _("Send again"),
                url=reverse("outgoing_mail:resend", args=[self.object.pk]),
                icon_name="resubmit",
                priority=10,
            )
        ]


def outgoing_mail_resend_view(request, pk: int):
    """Ask, then queue a failed mail of the administrator's towns again."""
    if not can_read_outgoing_mail(request.user):
        raise PermissionDenied
    mail = outgoing_mails_for(request.user).filter(pk=pk).first()
    if mail is None:
        raise Http404
    if request.method != "POST":
        return TemplateResponse(request, "lms/admin/outgoing_mail_resend.html", {"mail": mail})
    try:
        outgoing_mail_resend(mail_id=mail.pk, user=request.user)
    except MailNotFailed as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, str(MAIL_RESENT))
    return redirect("outgoing_mail:inspect", mail.pk)


class OutgoingMailViewSet(ModelViewSet):
    """Every mail the platform sends (reminders, report notices) and whether it was sent:
    read-only, for the town's site administrators, so a failed mail is seen (and may be
    sent again) rather than lost. No add, edit, copy or delete view exists."""

    model = OutgoingMail
    icon = "mail"
    url_prefix = "outgoing-mail"
    name = "outgoing_mail"
    index_view_class = OutgoingMailIndexView
    inspect_view_class = OutgoingMailInspectView
    list_display = ["created_at", "address", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["address", "subject"]
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "organization",
        "address",
        "subject",
        "body",
        "kind",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    ]
    copy_view_enabled = False
    menu_label = _("Outgoing mail")

    def get_urlpatterns(self):
        # No add, edit, copy, delete, history or usage view: none is built or routed.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("resend/<int:pk>/", outgoing_mail_resend_view, name="resend"),
        ]

    def register_admin_url_finder(self):
        pass  # a mail has no edit URL to find

    def get_permissions_to_register(self):
        # No group permission opens the outbox: the town's administrator role does.
        return Permission.objects.none()


class FailedMailPanel(Component):
    """On the admin dashboard of a site administrator whose towns have failed mail."""

    name = "failed_mail"
    order = 40

    def __init__(self, count: int):
        self.count = count

    def render_html(self, parent_context=None):
        return format_html(
            '<section class="panel w-mb-8" aria-labelledby="failed-mail-heading">'
            '<h2 id="failed-mail-heading">{}</h2><p>{}</p>'
            '<p><a class="button" href="{}?status=failed">{}</a></p></section>',
            _("Mail that could not be sent"),
            ngettext(
                "%(count)s mail could not be sent. Check the address and the error, then "
                "send it again.",
                "%(count)s mails could not be sent. Check the addresses and the errors, then "
                "send them again.",
                self.count,
            )
            % {"count": self.count},
            reverse("outgoing_mail:index"),
            _("Open the outgoing mail"),
        )


class TownReviewsPanel(WorkflowObjectsToModeratePanel):
    """「レビュー待ち」 on the dashboard: the pages in review of the editor's towns only (the
    approval task's group is shared by every town); quiz content as Wagtail lists it."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        request = parent_context["request"]
        if request.user.is_superuser:
            return context
        page_ids = [
            state["obj"].pk for state in context["states"] if isinstance(state["obj"], Page)
        ]
        in_towns = set(
            Page.objects.filter(pk__in=page_ids)
            .filter(
                pages_of_towns_q(organization_ids_administered_by(request.user, day=local_today()))
            )
            .values_list("pk", flat=True)
        )
        context["states"] = [
            state
            for state in context["states"]
            if not isinstance(state["obj"], Page) or state["obj"].pk in in_towns
        ]
        return context


@hooks.register("construct_homepage_panels")
def reviews_of_the_editors_towns(request, panels):
    for index, panel in enumerate(panels):
        if type(panel) is WorkflowObjectsToModeratePanel:
            panels[index] = TownReviewsPanel()


@hooks.register("construct_homepage_panels")
def add_failed_mail_panel(request, panels):
    if can_read_outgoing_mail(request.user):
        count = outgoing_mail_failed_count(request.user)
        if count:
            panels.insert(0, FailedMailPanel(count))


class TrainingAdminGroup(ViewSetGroup):
    items = (
        DepartmentViewSet,
        PositionViewSet,
        TrackAssignmentViewSet,
        ExemptionViewSet,
        AuditLogViewSet,
        OutgoingMailViewSet,
    )
    menu_label = _("Training administration")
    menu_name = "training-admin"
    menu_icon = "group"
    menu_order = 260
    submenu_hook = TRAINING_MENU_HOOK


@hooks.register("register_admin_viewset")
def register_training_admin():
    return TrainingAdminGroup()


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [
        path("roster/import/", roster_views.roster_import, name="roster_import"),
        path("roster/export/", roster_views.roster_export, name="roster_export"),
        path("records/import/", records_views.completions_import, name="completions_import"),
        path(
            "people/<id:user_id>/password-reset/",
            person_password_reset,
            name="person_password_reset",
        ),
    ]


# Replace Wagtail's own user bulk actions (registered before ours, at order 0): "assign
# role" and "set active state" within the grants and audited per user; no "delete".
for _action in (AuditedAssignRoleBulkAction, AuditedSetActiveStateBulkAction, NoDeleteBulkAction):
    hooks.register("register_bulk_action", _action, order=1)

# Pages, documents, images and snippets: Wagtail's bulk actions, naming only what they act on.
for _action in bulk_actions_naming_only_what_they_act_on():
    hooks.register("register_bulk_action", _action, order=1)


@hooks.register(ITEM_ANALYSIS_LEARNERS_HOOK)
def item_analysis_counts_the_editors_towns(request):
    """問題の分析 counts the attempts of people of the editor's towns only."""
    return people_of_towns(organization_ids_administered_by(request.user, day=local_today()))


@hooks.register(ADMIN_PAGES_SCOPE_HOOK)
def authoring_reports_list_the_editors_towns(request):
    """The page admin opens (content/middleware.py) and 確認が必要なモジュール lists pages
    under the editor's towns' learning homes only."""
    return pages_of_towns_q(organization_ids_administered_by(request.user, day=local_today()))


@hooks.register(ATTESTATION_READERS_HOOK)
def hr_reads_attestation_counts(user) -> bool:
    """確認・同意の状況 (counts, no names) for HR of a town too (lms/people/permissions.py)."""
    return can_read_attestation_counts(user)


@hooks.register(LEARNER_STATUS_HOOK)
def catalogue_pages_show_due_dates_and_completion(*, user, tracks):
    """Track and course pages show the learner's due date, 修了 and 期限超過
    (lms/assignments.py)."""
    learner_status_fill(user=user, tracks=tracks)


@hooks.register(DOCUMENT_READERS_HOOK)
def documents_are_read_in_their_town(user, document) -> bool:
    """A document in a town's collection (or below it) is for that town's people: their
    sign-in town or a post there today; the operator reads every document. A document in
    no town's collection is shared by the deployment."""
    if user.is_superuser:
        return True
    collections = document.collection.get_ancestors(inclusive=True)
    town = Organization.objects.filter(collection__in=collections).values_list("pk", flat=True)
    town = town.first()
    if town is None or user.organization_id == town:
        return True
    posts = Membership.objects.active_on(local_today()).filter(user=user)
    return posts.filter(department__organization_id=town).exists()


@hooks.register(LEARNER_PAGE_READERS_HOOK)
def learning_pages_are_read_in_their_town(user, page) -> bool:
    """A town's learning pages are served, completed and their quizzes taken by its own
    people only (lms/people/permissions.py)."""
    return can_read_town_page(user, page, day=local_today())


@hooks.register(LEARNER_PAGES_SCOPE_HOOK)
def learners_search_their_own_towns(request):
    """The search (/search/) finds pages of the searcher's own towns only: those of their
    posts today, as マイページ lists them; nobody's without a post."""
    towns = Membership.objects.active_on(local_today()).filter(user=request.user)
    return pages_of_towns_q(towns.values("department__organization_id"))


@hooks.register("construct_page_chooser_queryset")
def page_chooser_lists_the_editors_towns(pages, request):
    """Wagtail's page chooser lists the pages of the editor's towns only (the operator's:
    every page); which pages it may be opened at, content/middleware.py."""
    if request.user.is_superuser:
        return pages
    return pages.filter(
        pages_of_towns_q(organization_ids_administered_by(request.user, day=local_today()))
    )


class HROnlyMenuItem(MenuItem):
    def is_shown(self, request):
        return is_hr(request.user)


@hooks.register(TRAINING_MENU_HOOK)
def roster_import_menu_item():
    return HROnlyMenuItem(
        _("Import the staff list"), reverse("roster_import"), icon_name="upload", order=900
    )


@hooks.register(TRAINING_MENU_HOOK)
def completions_import_menu_item():
    return HROnlyMenuItem(
        _("Import past completions"), reverse("completions_import"), icon_name="upload", order=910
    )


# ---- The dashboard (管理画面のホーム) per role, and the way back to the learner site ----


class LeaderTracksPanel(Component):
    """A DX promotion leader's tracks (担当トラック) and their pages in review.

    Three queries whatever the number of tracks and pages: the leader's track groups'
    tracks, the workflow states on pages under them, and those pages.
    """

    name = "leader_tracks"
    order = 60
    template_name = "lms/admin/home_leader_tracks.html"

    def __init__(self, tracks, states, organization=None):
        self.tracks = tracks
        self.states = states
        self.organization = organization  # the leader's town: dates as it writes them

    def get_context_data(self, parent_context=None):
        return {"tracks": self.tracks, "states": self.states, "organization": self.organization}


def leader_tracks_and_reviews(user):
    """The tracks ``user`` authors and the workflow states (in review or sent back) of
    the pages under them, oldest task first."""
    from django.db.models import Exists, IntegerField, OuterRef
    from django.db.models.functions import Cast
    from wagtail.models import Page, WorkflowState, get_default_page_content_type

    from courses.models import TrackPage
    from lms.people.authoring import TRACK_EDITORS_PREFIX

    names = user.groups.filter(name__startswith=TRACK_EDITORS_PREFIX).values_list("name")
    track_ids = [
        int(name[len(TRACK_EDITORS_PREFIX) :])
        for (name,) in names
        if name[len(TRACK_EDITORS_PREFIX) :].isdigit()
    ]
    tracks = list(TrackPage.objects.filter(pk__in=track_ids).order_by("path")) if track_ids else []
    if not tracks:
        return [], []
    under_tracks = Q()
    for track in tracks:
        under_tracks |= Q(path__startswith=track.path)
    states = list(
        WorkflowState.objects.filter(
            status__in=[WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES],
            base_content_type_id=get_default_page_content_type().id,
        )
        .filter(
            Exists(
                Page.objects.filter(
                    under_tracks, id=Cast(OuterRef("object_id"), output_field=IntegerField())
                )
            )
        )
        .select_related("current_task_state__task", "requested_by")
        .order_by("current_task_state__started_at", "pk")
    )
    pages = Page.objects.in_bulk([int(state.object_id) for state in states])
    for state in states:
        state.target = pages.get(int(state.object_id))
    return tracks, [state for state in states if state.target is not None]


class HrReportsPanel(Component):
    """HR's own screens, one click from the admin's home."""

    name = "hr_reports"
    order = 60
    template_name = "lms/admin/home_hr_reports.html"


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    from lms.people.roles import Role, user_has_role

    # Wagtail's "what's new" banner links to wagtail.org: not on a closed network.
    panels[:] = [
        panel for panel in panels if getattr(panel, "name", "") != "whats_new_in_wagtail_version"
    ]
    if user_has_role(request.user, Role.DX_LEADER):
        tracks, states = leader_tracks_and_reviews(request.user)
        panels.insert(0, LeaderTracksPanel(tracks, states, request.user.organization))
    if user_has_role(request.user, Role.HR):
        panels.insert(0, HrReportsPanel())


@hooks.register("register_admin_menu_item")
def register_back_to_learner_site():
    return MenuItem(
        _("Back to My page"), reverse("lms:mypage"), icon_name="home", order=1, name="mypage"
    )


@hooks.register("construct_help_menu")
def help_menu_without_outside_links(request, menu_items):
    """Wagtail's "What's new" and "Editor guide" open wagtail.org (English, outside the
    town's network); the town's own authoring guide replaces them."""
    menu_items[:] = [
        item
        for item in menu_items
        if item.name not in ("editor-guide",) and not item.name.startswith("whats-new-in-wagtail")
    ]
    menu_items.insert(
        0,
        MenuItem(
            _("Authoring guide"),
            reverse("authoring_guide"),
            icon_name="doc-full",
            order=10,
            name="authoring-guide",
        ),
    )
