"""Who may see whose data. Every view that shows a person's data asks here.

The rules: everyone sees their own; a department head sees the
members of the department they head (with sub-departments) as of today; HR
and site administrators see everyone in their organisations.

Being a superuser passes none of these checks: a superuser is the platform operator,
and a town's personal data is for that town's roles. An operator reads it only by
holding a post and a role in the town, like anyone else (docs/security.md).

A department head heads the department of their primary post (本務) only, by
the rule in ``lms.people.posts``: a concurrent post (兼務) elsewhere is a
member's seat, not a head's. (A head with only concurrent posts heads their
home post's department, the lowest-id one, as the rule places them there.)
"""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.models import Page

from courses.models import CoursePage, TrackPage
from lms.models import Membership, Organization, User
from lms.people.authoring import TRACK_EDITORS_PREFIX
from lms.people.posts import pick_primary_post, primary_post
from lms.people.roles import Role, held_groups, user_has_role
from lms.towns import pages_of_towns_q


def is_hr(user) -> bool:
    """HR's powers (completion of everyone, roster, personal-data requests); admins too."""
    return user_has_role(user, Role.HR) or user_has_role(user, Role.ADMIN)


def can_open_admin(user) -> bool:
    """Whether Wagtail's admin lets ``user`` in (the header's 管理 link): the answer of
    ``user.has_perm("wagtailadmin.access_admin")`` (an active superuser, or a group holding
    the permission: the roles, Wagtail's own groups, any group the operator made), read from
    the groups query every request makes already instead of two permission queries.
    Shinka gives permissions through groups only: no screen gives a person permissions of
    their own (lms/admin.py, Wagtail's user form), so they are not read here."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or held_groups(user).admin_access


def can_read_attestation_counts(user) -> bool:
    """確認・同意の状況 (how many attested each module's current version, no names) for HR
    and the town's administrators, besides the authors (``courses/wagtail_hooks.py``); the
    modules listed are those of the reader's towns."""
    return is_hr(user)


def can_read_attestation_records(user) -> bool:
    """確認・同意の記録 (who of the town attested a module, and when: names) for HR and the
    town's administrators only; authors read the counts alone. The town: the reader's own
    (``organization_of``), as for HR's dashboard."""
    return user.is_authenticated and user.is_active and is_hr(user)


def can_view_progress_of(viewer, subject, *, day: datetime.date) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == subject.pk:
        return True
    viewer_posts = list(
        Membership.objects.active_on(day)
        .filter(user=viewer)
        .values_list(
            "id", "is_primary", "department__organization_id", "department__path", named=True
        )
    )
    if not viewer_posts:
        return False
    if is_hr(viewer):
        # HR keeps the records of former staff too (disclosure, anonymisation).
        organizations = {post.department__organization_id for post in viewer_posts}
        return Membership.objects.filter(
            user=subject, department__organization_id__in=organizations
        ).exists()
    if user_has_role(viewer, Role.DEPT_HEAD):
        # The department of their primary post, as ``headed_department`` has it.
        headed = pick_primary_post(viewer_posts)
        return (
            Membership.objects.active_on(day)
            .filter(
                user=subject,
                department__organization_id=headed.department__organization_id,
                department__path__startswith=headed.department__path,
            )
            .exists()
        )
    return False


def can_view_skills_of(viewer, subject, *, day: datetime.date) -> bool:
    """Measured skill levels: the person, IT policy and site administrators of their town.

    HR tracks completion, not skills; department heads see completion only.
    """
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == subject.pk:
        return True
    if not (user_has_role(viewer, Role.IT_POLICY) or user_has_role(viewer, Role.ADMIN)):
        return False
    organizations = set(
        Membership.objects.active_on(day)
        .filter(user=viewer)
        .values_list("department__organization_id", flat=True)
    )
    return (
        Membership.objects.active_on(day)
        .filter(user=subject, department__organization_id__in=organizations)
        .exists()
    )


def organization_ids_administered_by(user, *, day: datetime.date):
    """The towns whose rows ``user`` reads and edits in the admin screens (研修管理's
    departments, positions and track assignments, their choices, the authoring reports):
    the towns where they hold a post on ``day``.

    The one seam for "the editor's towns": every admin screen asks here (when
    ``User.organization`` arrives, only this definition changes). A superuser without a
    post has no town. Returns ids as a lazy queryset, to be used as a subquery
    (``organization_id__in=…``): it runs no query of its own.
    """
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none().values("pk")
    return Membership.objects.active_on(day).filter(user=user).values("department__organization_id")


def organizations_administered_by(user, *, day: datetime.date):
    """The towns of ``organization_ids_administered_by``, as ``Organization`` rows."""
    return Organization.objects.filter(pk__in=organization_ids_administered_by(user, day=day))


def users_administering(organization_id: int, *, day: datetime.date):
    """The people for whom ``organization_id`` is one of their towns (the same rule as
    ``organization_ids_administered_by``, read the other way), as a User queryset."""
    posted = Membership.objects.active_on(day).filter(department__organization_id=organization_id)
    return get_user_model().objects.filter(is_active=True, pk__in=posted.values("user_id"))


def _in_organization(user, organization_id: int, day: datetime.date) -> bool:
    return (
        Membership.objects.active_on(day)
        .filter(user=user, department__organization_id=organization_id)
        .exists()
    )


REPORT_ROLES = {"hr_completion": Role.HR, "dx_candidates": Role.IT_POLICY}


def can_use_report_kind(user, kind: str) -> bool:
    """HR's completion reports are for HR; candidate reports for IT policy; admins both."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user_has_role(user, Role.ADMIN) or user_has_role(user, REPORT_ROLES[kind])


def can_view_report(user, run, *, day: datetime.date) -> bool:
    return can_use_report_kind(user, run.kind) and _in_organization(user, run.organization_id, day)


def can_see_report_internals(user) -> bool:
    """A report's technical particulars (the SHA-256 of its file): for site administrators;
    HR and IT policy read the report without them."""
    return user.is_authenticated and user_has_role(user, Role.ADMIN)


def can_view_skill_overview(user) -> bool:
    return user.is_authenticated and (
        user_has_role(user, Role.IT_POLICY) or user_has_role(user, Role.ADMIN)
    )


def headed_department(user, *, day: datetime.date):
    """The department a department head heads: that of their primary post, or None."""
    if not user_has_role(user, Role.DEPT_HEAD):
        return None
    post = primary_post(user=user, day=day)
    return post.department if post else None


def heads(user, department, *, day: datetime.date) -> bool:
    """Whether ``user`` heads ``department`` or a department above it, in the same town."""
    headed = headed_department(user, day=day)
    return (
        headed is not None
        and headed.organization_id == department.organization_id
        and department.path.startswith(headed.path)
    )


def can_view_department(user, department, *, day: datetime.date) -> bool:
    """HR and admins: any department of their town. Heads: their own, with its units."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_hr(user):
        return _in_organization(user, department.organization_id, day)
    return heads(user, department, day=day)


def can_remind_department(user, department, *, day: datetime.date) -> bool:
    """いますぐ通知 for a department's people: the head of it (their own department, with its
    units) and HR (and site administrators) of its town; nobody else, never another town."""
    return can_view_department(user, department, day=day)


def can_remind_town(user, organization_id: int, *, day: datetime.date) -> bool:
    """いますぐ通知 for everyone of a town: HR (and site administrators) holding a post there."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_hr(user) and _in_organization(user, organization_id, day)


def can_remind_person(user, subject, *, day: datetime.date) -> bool:
    """いますぐ通知 for one person of ``subject.organization`` who holds a post there on
    ``day``: HR (and site administrators) of that town, or the head of the department
    their post lies in. Not oneself, nobody else, never another town's person."""
    if not user.is_authenticated or not user.is_active or user.pk == subject.pk:
        return False
    posts = Membership.objects.active_on(day).filter(
        user=subject, department__organization_id=subject.organization_id
    )
    if is_hr(user):
        return _in_organization(user, subject.organization_id, day) and posts.exists()
    headed = headed_department(user, day=day)
    return (
        headed is not None
        and headed.organization_id == subject.organization_id
        and posts.filter(department__path__startswith=headed.path).exists()
    )


def can_read_outgoing_mail(user) -> bool:
    """The outbox (mail the platform sends, with its failures) is for the town's site
    administrators; which town's mail, ``outgoing_mail_towns``."""
    return user.is_authenticated and user.is_active and user_has_role(user, Role.ADMIN)


def outgoing_mail_towns(user, *, day: datetime.date):
    """Ids of the towns whose outgoing mail ``user`` reads: those where a site administrator
    holds a post on ``day`` (a subquery; empty for everyone else, superusers included)."""
    if not can_read_outgoing_mail(user):
        return Membership.objects.none().values("department__organization_id")
    return Membership.objects.active_on(day).filter(user=user).values("department__organization_id")


def people_listed_for(editor):
    """The accounts the Wagtail user screens list and open for ``editor``: the people of
    the editor's own town's roster (``User.organization``), never another town's, even
    one with the same staff number. The platform operator (a superuser) manages accounts
    on the whole deployment (``lms.people.grants``) and lists everyone; what anyone may
    change there is still decided by the grants."""
    if not editor.is_authenticated or not editor.is_active:
        return User.objects.none()
    if editor.is_superuser:
        return User.objects.all()
    if editor.organization_id is None:
        return User.objects.none()
    return User.objects.filter(organization_id=editor.organization_id)


def can_verify_certificate(viewer, certificate, *, day: datetime.date) -> bool:
    """Whether a certificate number shows its particulars to ``viewer``: the person it was
    issued to, and HR (and site administrators) of the town that issued it. Everyone else,
    another town's HR included, is told it was not found."""
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if viewer.pk == certificate.user_id:
        return True
    return is_hr(viewer) and _in_organization(viewer, certificate.organization_id, day)


def can_read_town_page(user, page, *, day: datetime.date) -> bool:
    """A learning page (track, course, module) is for the people of the town it belongs to
    (``lms.towns``): their roster's town (``User.organization``) or a town where they hold a
    post on ``day``, as for a town's documents; the platform operator reads every town's.
    Another town's page is not found, to read, to complete or to take its quiz."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    posted = Membership.objects.active_on(day).filter(user=user)
    towns = Organization.objects.filter(
        Q(pk=user.organization_id) | Q(pk__in=posted.values("department__organization_id"))
    ).values("pk")
    return Page.objects.filter(pk=page.pk).filter(pages_of_towns_q(towns)).exists()


# 受講後アンケート (docs/surveys.md): results are totals only; who reads them, of which courses.
SURVEY_READER_ROLES = (Role.HR, Role.ADMIN, Role.IT_POLICY, Role.DX_LEADER)


def can_read_surveys(user) -> bool:
    """Whether ``user`` has survey results to read at all (the menu item, the listing):
    HR and the site administrator, IT policy (who authors every course) and DX promotion
    leaders (the authors of their tracks). Which courses: ``survey_courses_readable_by``."""
    return (
        user.is_authenticated
        and user.is_active
        and any(user_has_role(user, role) for role in SURVEY_READER_ROLES)
    )


def survey_courses_readable_by(user, *, day: datetime.date):
    """The course pages whose survey results ``user`` reads, as a queryset: for HR, site
    administrators and IT policy every course of the towns where they hold a post on
    ``day``; for a DX promotion leader the courses of the tracks they author
    (``track-editors-<track id>``), in those towns too. Nobody else, superusers included."""
    if not can_read_surveys(user):
        return CoursePage.objects.none()
    in_towns = CoursePage.objects.filter(
        pages_of_towns_q(organization_ids_administered_by(user, day=day))
    )
    if is_hr(user) or user_has_role(user, Role.IT_POLICY):
        return in_towns
    names = user.groups.filter(name__startswith=TRACK_EDITORS_PREFIX).values_list("name", flat=True)
    track_ids = [
        int(name.removeprefix(TRACK_EDITORS_PREFIX))
        for name in names
        if name.removeprefix(TRACK_EDITORS_PREFIX).isdigit()
    ]
    paths = list(TrackPage.objects.filter(pk__in=track_ids).values_list("path", flat=True))
    if not paths:
        return CoursePage.objects.none()
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    return in_towns.filter(under)


def can_manage_exemptions(user, *, organization_id: int, day: datetime.date) -> bool:
    """Exemptions (免除) of a town's people are made and changed by that town's HR only,
    as its track assignments are: not by department heads, not by staff, not by site
    administrators (they read the reports that count them), not by another town's HR,
    not by a superuser without a post and the role there."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user_has_role(user, Role.HR) and _in_organization(user, organization_id, day)


def exemption_towns(user, *, day: datetime.date):
    """Ids of the towns whose exemptions ``user`` lists and changes (a subquery): those
    of ``can_manage_exemptions``."""
    if not user.is_authenticated or not user.is_active or not user_has_role(user, Role.HR):
        return Membership.objects.none().values("department__organization_id")
    return Membership.objects.active_on(day).filter(user=user).values("department__organization_id")


def can_record_completion_for(viewer, subject, *, day: datetime.date) -> bool:
    """Whether ``viewer`` may record a course completion (集合研修, an external course) for
    ``subject``: HR (and site administrators) for anyone on their town's roster, a
    department head for the members of the department they head (with its units) on
    ``day``. Nobody records their own: a completion someone vouches for is another
    person's word (docs/records.md)."""
    if not viewer.is_authenticated or not viewer.is_active or viewer.pk == subject.pk:
        return False
    if is_hr(viewer):
        return subject.organization_id is not None and _in_organization(
            viewer, subject.organization_id, day
        )
    headed = headed_department(viewer, day=day)
    if headed is None:
        return False
    return (
        Membership.objects.active_on(day)
        .filter(
            user=subject,
            department__organization_id=headed.organization_id,
            department__path__startswith=headed.path,
        )
        .exists()
    )


def can_import_completions(user) -> bool:
    """The bulk import of historical completions (from a previous e-learning system) is
    HR's, for their own town."""
    return user.is_authenticated and user.is_active and is_hr(user)


def can_read_completion_evidence(viewer, completion, *, day: datetime.date) -> bool:
    """A recorded completion's evidence file: whoever sees the person's progress."""
    return can_view_progress_of(viewer, completion.user, day=day)


# 集合研修・オンライン研修・派遣研修 (docs/sessions.md)


def can_manage_sessions(user, *, organization_id: int, day: datetime.date) -> bool:
    """A town's training sessions are created and changed by its HR (and its site
    administrators), as completions are recorded: nobody of another town, not a superuser
    without a post there."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_hr(user) and _in_organization(user, organization_id, day)


def can_record_attendance(user, session, *, day: datetime.date) -> bool:
    """The attendance of a session is recorded by its organiser (while they hold a post in
    the session's town) and by the town's HR."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == session.organiser_id and _in_organization(user, session.organization_id, day):
        return True
    return can_manage_sessions(user, organization_id=session.organization_id, day=day)


def can_register_for_session(actor, person, session, *, day: datetime.date) -> bool:
    """Who may register ``person`` for ``session`` (or cancel their registration): the
    person themselves, HR (and site administrators) of the session's town for anyone posted
    there, a department head for the people posted in the department they head (with its
    units). Only people who hold a post in the session's town on ``day``."""
    if not actor.is_authenticated or not actor.is_active or not person.is_active:
        return False
    posts = Membership.objects.active_on(day).filter(
        user=person, department__organization_id=session.organization_id
    )
    if actor.pk == person.pk:
        return posts.exists()
    if is_hr(actor):
        return _in_organization(actor, session.organization_id, day) and posts.exists()
    headed = headed_department(actor, day=day)
    return (
        headed is not None
        and headed.organization_id == session.organization_id
        and posts.filter(department__path__startswith=headed.path).exists()
    )


def can_view_session(user, session, *, day: datetime.date) -> bool:
    """A session's page (when, where, how many seats are left) is for the people posted in
    its town; never another town's."""
    if not user.is_authenticated or not user.is_active:
        return False
    return _in_organization(user, session.organization_id, day)
