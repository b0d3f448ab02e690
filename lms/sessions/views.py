"""The session screens (docs/sessions.md).

- ``/mypage/sessions/``: the town's upcoming sessions, with the viewer's own registration
  and a button to register or cancel (everyone posted in the town).
- ``/mypage/sessions/<id>/``: one session; HR and department heads register a person by
  staff number there; the organiser and HR see who registered.
- ``/mypage/sessions/manage/`` (HR): every session of the town, new and edit.
- ``/mypage/sessions/<id>/attendance/``: the organiser's (and HR's) one-form attendance sheet.

Every view asks ``lms.people.permissions``; a session of another town is not found (404).
The services (``lms.sessions.services``) check everything again and write the audit.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.fiscal import local_today
from lms.audit import Actor
from lms.models import SessionRegistration, TrainingSession, User
from lms.people.access import organization_or_404
from lms.people.permissions import (
    can_manage_sessions,
    can_record_attendance,
    can_view_session,
    headed_department,
    is_hr,
)
from lms.records.services import courses_of_town
from lms.sessions.forms import PERSON_UNKNOWN, RegisterPersonForm, SessionForm
from lms.sessions.imports import attendance_marks
from lms.sessions.services import (
    attendance_set,
    session_cancel,
    session_create,
    session_register,
    session_update,
)

REGISTERED = SessionRegistration.Status.REGISTERED
WAITING = SessionRegistration.Status.WAITING
SHEET_LIMIT = 5 * 1024 * 1024
ATTENDANCE_VALUES = {"present": True, "absent": False, "": None}


def _with_counts(queryset):
    return queryset.select_related("course", "organiser").annotate(
        registered_count=Count("registrations", filter=Q(registrations__status=REGISTERED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=WAITING)),
    )


def _session_or_404(request, session_id: int, *, allowed=can_view_session):
    session = get_object_or_404(_with_counts(TrainingSession.objects.all()), pk=session_id)
    if not allowed(request.user, session, day=local_today()):
        raise Http404
    return session


@login_required
@never_cache
def session_list(request):
    """The town's sessions from today on, each with the viewer's own registration."""
    organization = organization_or_404(request.user, local_today())
    mine = SessionRegistration.objects.filter(user=request.user).exclude(
        status=SessionRegistration.Status.CANCELLED
    )
    sessions = (
        _with_counts(TrainingSession.objects.filter(organization=organization))
        .filter(ends_at__gte=timezone.now())
        .prefetch_related(Prefetch("registrations", queryset=mine, to_attr="mine"))
        .order_by("starts_at", "pk")
    )
    context = {
        "sessions": sessions,
        "can_manage": can_manage_sessions(
            request.user, organization_id=organization.pk, day=local_today()
        ),
    }
    return render(request, "lms/sessions/list.html", context)


@login_required
@never_cache
def session_detail(request, session_id: int):
    session = _session_or_404(request, session_id)
    day = local_today()
    own = (
        SessionRegistration.objects.filter(session=session, user=request.user)
        .exclude(status=SessionRegistration.Status.CANCELLED)
        .first()
    )
    can_attend = can_record_attendance(request.user, session, day=day)
    registers_others = is_hr(request.user) or headed_department(request.user, day=day) is not None
    registrations = []
    if can_attend:
        registrations = list(
            session.registrations.exclude(status=SessionRegistration.Status.CANCELLED)
            .select_related("user")
            .order_by("status", "registered_at", "pk")
        )
    context = {
        "session": session,
        "own": own,
        "started": session.starts_at <= timezone.now(),
        "can_attend": can_attend,
        "can_manage": can_manage_sessions(
            request.user, organization_id=session.organization_id, day=day
        ),
        "registers_others": registers_others,
        "person_form": RegisterPersonForm(),
        "registrations": registrations,
    }
    return render(request, "lms/sessions/detail.html", context)


def _person_of(request, session):
    """The person a register/cancel form names: its staff number (HR, heads) or its
    ``user`` id (a row of the registrant list), of the session's town; else the viewer."""
    number = (request.POST.get("staff_number") or "").strip()
    user_id = (request.POST.get("user") or "").strip()
    if not number and not user_id:
        return request.user
    people = User.objects.filter(organization_id=session.organization_id)
    if number:
        return people.filter(staff_number=number).first()
    return (
        people.filter(pk=int(user_id)).first() if user_id.isascii() and user_id.isdigit() else None
    )


@login_required
@require_POST
def session_register_view(request, session_id: int):
    session = _session_or_404(request, session_id)
    person = _person_of(request, session)
    if person is None:
        messages.error(request, str(PERSON_UNKNOWN))
        return redirect("lms:session_detail", session_id=session.pk)
    try:
        registration = session_register(by=Actor.of(request), session_id=session.pk, person=person)
    except PermissionDenied:
        messages.error(request, _("You cannot register this person for this session."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = person.get_full_name()
        if registration.status == REGISTERED:
            messages.success(request, _("%(name)s is registered.") % {"name": name})
        else:
            messages.warning(
                request,
                _("The session is full: %(name)s is on the waiting list.") % {"name": name},
            )
    return redirect(_back(request, session))


@login_required
@require_POST
def session_cancel_view(request, session_id: int):
    session = _session_or_404(request, session_id)
    person = _person_of(request, session)
    if person is None:
        messages.error(request, str(PERSON_UNKNOWN))
        return redirect("lms:session_detail", session_id=session.pk)
    try:
        session_cancel(by=Actor.of(request), session_id=session.pk, person=person)
    except PermissionDenied:
        messages.error(request, _("You cannot cancel this person's registration."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The registration of %(name)s is cancelled.") % {"name": person.get_full_name()},
        )
    return redirect(_back(request, session))


def _back(request, session):
    """Back to the list when the button was there, else to the session."""
    if request.POST.get("next") == "list":
        return "lms:sessions"
    return redirect("lms:session_detail", session_id=session.pk).url


@login_required
@never_cache
def session_manage(request):
    """HR: every session of the town, upcoming first, then the past ones."""
    organization = organization_or_404(request.user, local_today())
    if not can_manage_sessions(request.user, organization_id=organization.pk, day=local_today()):
        raise Http404
    sessions = _with_counts(TrainingSession.objects.filter(organization=organization)).order_by(
        "-starts_at", "-pk"
    )
    return render(request, "lms/sessions/manage.html", {"sessions": sessions})


@login_required
@never_cache
def session_edit(request, session_id: int | None = None):
    """HR's form: a new session (no id) or a change to one of the town's."""
    day = local_today()
    if session_id is None:
        session = None
        organization = organization_or_404(request.user, day)
        if not can_manage_sessions(request.user, organization_id=organization.pk, day=day):
            raise Http404
    else:
        session = _session_or_404(
            request,
            session_id,
            allowed=lambda user, s, day: can_manage_sessions(
                user, organization_id=s.organization_id, day=day
            ),
        )
        organization = session.organization
    form = SessionForm(
        request.POST or None,
        courses=list(courses_of_town(organization)),
        organization=organization,
        initial=SessionForm.initial_of(session) if session else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if session is None:
                session = session_create(
                    by=Actor.of(request), organization=organization, **form.session_fields()
                )
            else:
                session = session_update(
                    by=Actor.of(request), session_id=session.pk, **form.session_fields()
                )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                field = {"starts_at": "starts", "ends_at": "ends", "course_id": "course"}.get(
                    field, field
                )
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("lms:session_detail", session_id=session.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "session": session}
    return render(request, "lms/sessions/edit.html", context, status=status)


@login_required
@never_cache
def session_attendance(request, session_id: int):
    """One form, a row per registered person: 出席 / 欠席 / 未記録 (radio buttons, one
    group per person, reachable with the keyboard). Saving stores every change at once."""
    session = _session_or_404(request, session_id, allowed=can_record_attendance)
    registrations = list(
        session.registrations.filter(status=REGISTERED)
        .select_related("user")
        .order_by("user__staff_number", "pk")
    )
    status, sheet_errors = 200, []
    if request.method == "POST" and "sheet" in request.FILES:
        upload = request.FILES["sheet"]
        if upload.size > SHEET_LIMIT:
            sheet_errors = [_("The file is larger than 5 MB.")]
        else:
            marks, problems = attendance_marks(
                session=session, data=upload.read(), filename=upload.name
            )
            sheet_errors = [str(problem) for problem in problems]
        if not sheet_errors:
            return _save_attendance(request, session, marks)
        status = 400
    elif request.method == "POST":
        marks, bad = {}, False
        for key, value in request.POST.items():
            if not key.startswith("attended-"):
                continue
            registration_id = key.removeprefix("attended-")
            if not (registration_id.isascii() and registration_id.isdigit()) or (
                value not in ATTENDANCE_VALUES
            ):
                bad = True
                break
            marks[int(registration_id)] = ATTENDANCE_VALUES[value]
        if bad:
            messages.error(request, _("The form could not be read. Reload the page and try again."))
            status = 400
        else:
            return _save_attendance(request, session, marks)
    context = {
        "session": session,
        "registrations": registrations,
        "started": session.starts_at <= timezone.now(),
        "sheet_errors": sheet_errors,
    }
    return render(request, "lms/sessions/attendance.html", context, status=status)


def _save_attendance(request, session, marks):
    """Store the marks (the service checks everything again); back to the sheet."""
    try:
        changed = attendance_set(by=Actor.of(request), session_id=session.pk, marks=marks)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        registrations = list(
            session.registrations.filter(status=REGISTERED)
            .select_related("user")
            .order_by("user__staff_number", "pk")
        )
        context = {"session": session, "registrations": registrations, "started": True}
        return render(request, "lms/sessions/attendance.html", context, status=400)
    messages.success(
        request, _("Attendance has been saved (%(count)s changed).") % {"count": changed}
    )
    return redirect("lms:session_attendance", session_id=session.pk)
