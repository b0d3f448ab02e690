"""いますぐ通知: the POSTs that remind the people of a department, a town or one person now.

Every one is a POST (CSRF-protected; a GET is refused): the first shows who will be
reminded and asks to confirm, the second (``confirm=1``) sends, then the page it came
from says how many were reminded. Who may remind whom is ``lms.people.permissions``;
the sending, the limits and the audit event are ``lms.reporting.reminders``.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.fiscal import local_today
from lms.audit import Actor
from lms.models import Department
from lms.people.access import organization_or_404
from lms.reporting.dashboards import japan_time
from lms.reporting.reminders import (
    NOBODY_TO_REMIND,
    REMIND_PERSON_AGAIN_AFTER,
    RemindersNotAllowed,
    RemindersTooSoon,
    ReminderTarget,
    remind_group_again_after,
    reminders_now_recipients,
    reminders_now_send,
    reminders_now_wait,
)

# The confirmation names everyone for a department or a person; a town-wide send shows
# how many, with the first names only (a town can have thousands).
NAMES_SHOWN = 200


def too_soon_message(refused: RemindersTooSoon) -> str:
    return _(
        "These people were already reminded at %(sent)s. You can send reminders to them "
        "again from %(again)s."
    ) % {"sent": japan_time(refused.sent_at), "again": japan_time(refused.again_at)}


@login_required
@require_POST
@never_cache
def department_remind(request, department_id: int):
    today = local_today()
    department = get_object_or_404(
        Department.objects.select_related("organization"), pk=department_id
    )
    target = ReminderTarget.of_department(department)
    if not target.allows(request.user, day=today):
        raise Http404  # as the department's page: another town's department does not exist
    return _remind(
        request, target, today=today, back=reverse("lms:department_dashboard", args=[department.pk])
    )


@login_required
@require_POST
@never_cache
def town_remind(request):
    today = local_today()
    organization = organization_or_404(request.user, today)
    target = ReminderTarget.of_town(organization)
    if not target.allows(request.user, day=today):
        raise PermissionDenied
    return _remind(request, target, today=today, back=reverse("lms:hr_dashboard"))


@login_required
@require_POST
@never_cache
def person_remind(request, user_id: int):
    today = local_today()
    person = get_object_or_404(
        get_user_model().objects.select_related("organization"),
        pk=user_id,
        organization__isnull=False,
    )
    target = ReminderTarget.of_person(person)
    if not target.allows(request.user, day=today):
        raise Http404  # ids do not tell who exists elsewhere
    back = request.POST.get("back", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("lms:person_progress", args=[person.pk])
    return _remind(request, target, today=today, back=back)


def _remind(request, target: ReminderTarget, *, today, back: str):
    if request.POST.get("confirm") != "1":
        too_soon = reminders_now_wait(target)
        recipients = (
            []
            if too_soon
            else reminders_now_recipients(sender=request.user, target=target, today=today)
        )
        return render(
            request,
            "lms/dashboards/remind_confirm.html",
            {
                "target": target,
                "too_soon": too_soon_message(too_soon) if too_soon else "",
                "recipients": recipients[:NAMES_SHOWN],
                "count": len(recipients),
                "more": max(len(recipients) - NAMES_SHOWN, 0),
                "nobody": str(NOBODY_TO_REMIND),
                "group_minutes": int(remind_group_again_after().total_seconds() // 60),
                "person_hours": int(REMIND_PERSON_AGAIN_AFTER.total_seconds() // 3600),
                "back": back,
                "today": today,
            },
        )
    try:
        reminder = reminders_now_send(
            sender=request.user, target=target, by=Actor.of(request), today=today
        )
    except RemindersNotAllowed as refused:
        raise PermissionDenied(str(refused.message)) from refused
    except RemindersTooSoon as refused:
        messages.error(request, too_soon_message(refused))
        return redirect(back)
    if reminder is None:
        messages.info(request, str(NOBODY_TO_REMIND))
    else:
        messages.success(
            request,
            _(
                "Reminders were sent to %(count)s people: a notice on My page, and an e-mail "
                "to the %(mails)s of them with an address."
            )
            % {"count": reminder.recipients, "mails": reminder.mails},
        )
    return redirect(back)
