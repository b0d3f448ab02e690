"""いますぐ通知: heads and HR remind the people not yet done, now (lms/reporting/reminders.py)."""

import datetime
import random
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from courses.models import CourseCompletion, CoursePage
from courses.services import module_complete
from lms.audit import Actor
from lms.factories import DepartmentFactory, TrackAssignmentFactory
from lms.models import (
    AuditEvent,
    Membership,
    Notice,
    OutgoingMail,
    ReminderNow,
    ReminderNowCourse,
    TrackAssignment,
    User,
)
from lms.people.roles import Role
from lms.reporting import reminders
from lms.reporting.reminders import (
    RemindersNotAllowed,
    RemindersTooSoon,
    ReminderTarget,
    reminders_now_send,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def division(organization, departments, make_course, make_staff):
    """A 部 with two 係; a track for everyone (two courses) and one for 政策係 only; people in
    the 部, its 係 and 総務課's 人事係, each course completed, begun or not at random; a
    deactivated account and a post that ended yesterday among them."""
    bu = DepartmentFactory(organization=organization, code="KIKAKU", name="企画部", level="bu")
    seisaku = DepartmentFactory(
        organization=organization, parent=bu, code="SEISAKU", name="政策係", level="kakari"
    )
    zaisei = DepartmentFactory(
        organization=organization, parent=bu, code="ZAISEI", name="財政係", level="kakari"
    )
    everyone, course1, modules1 = make_course(modules=2)
    _, course2, modules2 = make_course(modules=1, track=everyone)
    policy, course3, modules3 = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization, track=everyone, applies_to_all=True, due_date=TODAY
    )
    TrackAssignmentFactory(
        organization=organization,
        track=policy,
        departments=[seisaku],
        due_date=datetime.date(2027, 1, 31),
    )
    return {
        "bu": bu,
        "seisaku": seisaku,
        "zaisei": zaisei,
        "modules": [modules1, modules2, modules3],
        "head": make_staff(bu, "kacho", roles=[Role.DEPT_HEAD]),
        "hr": make_staff("jinji", roles=[Role.HR]),
    }


def _populate(make_staff, division, seed: int, count: int = 14):
    rng = random.Random(seed)
    places = [division["bu"], division["seisaku"], division["zaisei"], "jinji", "mado"]
    people = []
    for i in range(count):
        person = make_staff(rng.choice(places), staff_number=f"S{seed}{i:03d}")
        for modules in division["modules"]:
            done = rng.choice([0, 0, 1, len(modules)])
            for module in modules[:done]:
                module_complete(user=person, module=module, at=NOW - datetime.timedelta(days=2))
        people.append(person)
    people[0].is_active = False
    people[0].save(update_fields=["is_active"])
    left = people[1].memberships.get()
    left.valid_from = datetime.date(2020, 4, 1)
    left.valid_to = TODAY - datetime.timedelta(days=1)
    left.save()
    return people


def oracle(organization, *, subtree: str = "") -> set[tuple[int, int]]:
    """(person, course) still to do today, from the raw rows: the posts held today, the
    assignments (everyone, or under one of their departments) with their tracks' live
    courses, and the stored completions up to the end of today (Japan time)."""
    posts = list(
        Membership.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=TODAY),
            department__organization=organization,
            valid_from__lte=TODAY,
            user__is_active=True,
        ).values_list("user_id", "department__path")
    )
    due = set()
    for assignment in TrackAssignment.objects.filter(organization=organization, fiscal_year=2026):
        paths = [d.path for d in assignment.departments.all()]
        courses = CoursePage.objects.child_of(assignment.track).live().values_list("pk", flat=True)
        for user_id, path in posts:
            if not path.startswith(subtree):
                continue
            if assignment.applies_to_all or any(path.startswith(p) for p in paths):
                due |= {(user_id, course) for course in courses}
    end_of_today = datetime.datetime(2026, 11, 29, tzinfo=TOKYO)
    done = set(
        CourseCompletion.objects.filter(completed_at__lt=end_of_today).values_list(
            "user_id", "course_id"
        )
    )
    return due - done


def _reminded(reminder) -> set[tuple[int, int]]:
    return set(
        ReminderNowCourse.objects.filter(reminder=reminder).values_list("user_id", "course_id")
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_head_reminds_exactly_the_people_of_their_department_not_yet_done(
    make_staff, division, organization, seed
):
    _populate(make_staff, division, seed)
    head = division["head"]

    reminder = reminders_now_send(
        sender=head, target=ReminderTarget.of_department(division["bu"]), by=Actor(user=head)
    )

    expected = oracle(organization, subtree=division["bu"].path)
    assert expected, "the seed leaves someone to remind"
    assert _reminded(reminder) == expected
    people = {user_id for user_id, _ in expected}
    assert reminder.recipients == len(people)
    assert set(Notice.objects.values_list("user_id", flat=True)) == people
    mails = OutgoingMail.objects.filter(kind=OutgoingMail.Kind.REMINDER_NOW)
    assert (
        set(mails.values_list("recipient_id", flat=True))
        == people
        == set(User.objects.filter(pk__in=people).exclude(email="").values_list("pk", flat=True))
    )
    assert reminder.mails == mails.count()


@pytest.mark.parametrize("seed", [4, 5])
def test_hr_reminds_exactly_the_people_of_the_town_not_yet_done(
    make_staff, division, organization, seed
):
    _populate(make_staff, division, seed)
    hr = division["hr"]

    reminder = reminders_now_send(
        sender=hr, target=ReminderTarget.of_town(organization), by=Actor(user=hr)
    )

    assert _reminded(reminder) == oracle(organization)


def test_completed_people_never_receive_one(make_staff, division, organization):
    done = make_staff(division["seisaku"])
    for modules in division["modules"]:
        for module in modules:
            module_complete(user=done, module=module, at=NOW - datetime.timedelta(days=1))
    pending = make_staff(division["seisaku"])
    hr = division["hr"]

    for target in (ReminderTarget.of_town(organization), ReminderTarget.of_person(done)):
        reminders_now_send(sender=hr, target=target, by=Actor(user=hr))

    assert not Notice.objects.filter(user=done).exists()
    assert not OutgoingMail.objects.filter(recipient=done).exists()
    assert Notice.objects.filter(user=pending).count() == 1


def test_the_mail_names_the_courses_and_goes_out_after_commit(
    make_staff, division, eager_jobs, django_capture_on_commit_callbacks
):
    person = make_staff(division["seisaku"])
    head = division["head"]

    with django_capture_on_commit_callbacks(execute=True):
        reminders_now_send(
            sender=head, target=ReminderTarget.of_person(person), by=Actor(user=head)
        )

    [message] = mail.outbox
    assert message.to == [person.email]
    assert head.get_full_name() in message.body
    titles = {
        page.title
        for page in CoursePage.objects.filter(
            pk__in=[m[0].get_parent().pk for m in division["modules"]]
        )
    }
    assert all(title in message.body for title in titles)
    assert OutgoingMail.objects.get(recipient=person).status == "sent"
    assert "マイページ" in Notice.objects.get(user=person).message


def test_the_same_sender_reminds_the_same_person_of_a_course_once_in_24_hours(
    make_staff, division, time_machine
):
    person = make_staff(division["seisaku"])
    head, hr = division["head"], division["hr"]
    target = ReminderTarget.of_person(person)

    first = reminders_now_send(sender=head, target=target, by=Actor(user=head))
    time_machine.move_to(NOW + datetime.timedelta(hours=23, minutes=59), tick=False)
    again = reminders_now_send(sender=head, target=target, by=Actor(user=head))
    by_hr = reminders_now_send(sender=hr, target=target, by=Actor(user=hr))  # another sender
    # Two minutes after HR's: anyone's send within the group interval holds it back.
    time_machine.move_to(NOW + datetime.timedelta(hours=24, minutes=1), tick=False)
    right_after_hr = reminders_now_send(sender=head, target=target, by=Actor(user=head))
    time_machine.move_to(NOW + datetime.timedelta(hours=24, minutes=30), tick=False)
    next_day = reminders_now_send(sender=head, target=target, by=Actor(user=head))

    assert first is not None and again is None and right_after_hr is None
    assert by_hr is not None and next_day is not None
    assert Notice.objects.filter(user=person).count() == 3
    assert (
        ReminderNow.objects.count()
        == AuditEvent.objects.filter(action=AuditEvent.Action.REMINDERS_SENT_NOW).count()
        == 3
    )


def test_a_person_reminded_today_is_left_out_of_the_same_senders_department_send(
    make_staff, division
):
    reminded = make_staff(division["seisaku"])
    other = make_staff(division["zaisei"])
    head = division["head"]
    reminders_now_send(sender=head, target=ReminderTarget.of_person(reminded), by=Actor(user=head))

    send = reminders_now_send(
        sender=head, target=ReminderTarget.of_department(division["bu"]), by=Actor(user=head)
    )

    people = {user_id for user_id, _ in _reminded(send)}
    assert other.pk in people and reminded.pk not in people


def test_a_department_is_reminded_at_most_once_in_the_interval_whoever_sends(
    make_staff, division, time_machine, settings
):
    settings.SHINKA_REMIND_NOW_INTERVAL_MINUTES = 30
    make_staff(division["seisaku"])
    head, hr = division["head"], division["hr"]
    target = ReminderTarget.of_department(division["bu"])
    reminders_now_send(sender=head, target=target, by=Actor(user=head))

    time_machine.move_to(NOW + datetime.timedelta(minutes=29), tick=False)
    with pytest.raises(RemindersTooSoon) as refused:
        reminders_now_send(sender=hr, target=target, by=Actor(user=hr))
    assert refused.value.again_at == NOW + datetime.timedelta(minutes=30)
    time_machine.move_to(NOW + datetime.timedelta(minutes=31), tick=False)
    later = reminders_now_send(sender=hr, target=target, by=Actor(user=hr))

    assert later is not None
    assert ReminderNow.objects.count() == 2


def test_the_audit_event_is_written_in_the_same_transaction(make_staff, division, monkeypatch):
    make_staff(division["seisaku"])
    head = division["head"]
    target = ReminderTarget.of_department(division["bu"])

    def broken(**kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(reminders, "audit_record", broken)
    with pytest.raises(RuntimeError):
        reminders_now_send(sender=head, target=target, by=Actor(user=head))
    assert not ReminderNow.objects.exists()
    assert not Notice.objects.exists() and not OutgoingMail.objects.exists()

    monkeypatch.undo()
    reminder = reminders_now_send(
        sender=head, target=target, by=Actor(user=head, ip_address="10.0.0.1")
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.REMINDERS_SENT_NOW)
    assert event.actor == head and event.ip_address == "10.0.0.1"
    people = set(ReminderNowCourse.objects.values_list("user_id", flat=True))
    assert event.detail["count"] == reminder.recipients == len(people) == 2  # with the head
    assert event.detail["reminder_id"] == reminder.pk
    assert event.detail["department_id"] == division["bu"].pk


@pytest.mark.parametrize("who", ["staff", "other_head", "other_town_hr"])
def test_the_service_refuses_whoever_may_not_remind(
    make_staff, division, departments, other_town, who
):
    make_staff(division["seisaku"])
    sender = {
        "staff": lambda: make_staff(division["seisaku"]),
        "other_head": lambda: make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "other_town_hr": lambda: make_staff(other_town["somu"], roles=[Role.HR]),
    }[who]()

    with pytest.raises(RemindersNotAllowed):
        reminders_now_send(
            sender=sender,
            target=ReminderTarget.of_department(division["bu"]),
            by=Actor(user=sender),
        )
    assert not ReminderNow.objects.exists() and not Notice.objects.exists()


# --- The screens ------------------------------------------------------------------------


def test_the_first_post_asks_to_confirm_with_the_names_and_sends_nothing(
    client, make_staff, division
):
    person = make_staff(division["zaisei"], family_name="確認", given_name="花子")
    client.force_login(division["head"])
    url = reverse("lms:department_remind", args=[division["bu"].pk])

    response = client.post(url)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert person.get_full_name() in html and person.staff_number in html
    assert 'name="confirm" value="1"' in html
    assert not ReminderNow.objects.exists() and not Notice.objects.exists()


def test_confirming_sends_and_the_page_says_how_many(client, make_staff, division):
    make_staff(division["zaisei"])
    make_staff(division["seisaku"])
    client.force_login(division["head"])
    url = reverse("lms:department_remind", args=[division["bu"].pk])

    response = client.post(url, {"confirm": "1"}, follow=True)

    reminder = ReminderNow.objects.get()
    assert reminder.recipients == 3  # the two, and the head, who has not completed either
    assert response.redirect_chain[-1][0] == reverse(
        "lms:department_dashboard", args=[division["bu"].pk]
    )
    assert "3人" in response.content.decode()


def test_a_second_send_too_soon_is_refused_in_japanese_saying_when(client, make_staff, division):
    make_staff(division["seisaku"])
    client.force_login(division["hr"])
    url = reverse("lms:department_remind", args=[division["bu"].pk])
    client.post(url, {"confirm": "1"})

    confirm = client.post(url).content.decode()
    refused = client.post(url, {"confirm": "1"}, follow=True).content.decode()

    for html in (confirm, refused):
        assert "9:30" in html or "09:30" in html
        assert "以降" in html or "から" in html
    assert ReminderNow.objects.count() == 1


def test_a_get_never_sends(client, make_staff, division, organization):
    make_staff(division["seisaku"])
    client.force_login(division["hr"])

    for url in (
        reverse("lms:department_remind", args=[division["bu"].pk]),
        reverse("lms:town_remind"),
    ):
        assert client.get(url, {"confirm": "1"}).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert not ReminderNow.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(make_staff, division):
    make_staff(division["seisaku"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(division["hr"])

    response = client.post(reverse("lms:town_remind"), {"confirm": "1"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ReminderNow.objects.exists()


def test_staff_cannot_remind(client, make_staff, division, organization):
    staff = make_staff(division["seisaku"])
    other = make_staff(division["seisaku"])
    client.force_login(staff)

    responses = [
        client.post(
            reverse("lms:department_remind", args=[division["seisaku"].pk]), {"confirm": "1"}
        ),
        client.post(reverse("lms:town_remind"), {"confirm": "1"}),
        client.post(reverse("lms:person_remind", args=[other.pk]), {"confirm": "1"}),
    ]

    assert [r.status_code for r in responses] == [
        HTTPStatus.NOT_FOUND,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
    ]
    assert "権限" in responses[1].content.decode()
    assert not ReminderNow.objects.exists()


def test_another_towns_department_or_person_is_refused(client, make_staff, division, other_town):
    theirs = make_staff(other_town["jumin"])
    mine = make_staff(division["seisaku"])
    other_hr = make_staff(other_town["somu"], roles=[Role.HR])
    other_head = make_staff(other_town["jumin"], roles=[Role.DEPT_HEAD])

    client.force_login(division["hr"])
    tampered = [
        client.post(
            reverse("lms:department_remind", args=[other_town["jumin"].pk]), {"confirm": "1"}
        ),
        client.post(reverse("lms:person_remind", args=[theirs.pk]), {"confirm": "1"}),
    ]
    for outsider in (other_hr, other_head):
        client.force_login(outsider)
        tampered += [
            client.post(
                reverse("lms:department_remind", args=[division["bu"].pk]), {"confirm": "1"}
            ),
            client.post(reverse("lms:person_remind", args=[mine.pk]), {"confirm": "1"}),
        ]

    assert {r.status_code for r in tampered} == {HTTPStatus.NOT_FOUND}
    assert all("ページが見つかりません" in r.content.decode() for r in tampered)
    assert not ReminderNow.objects.exists() and not Notice.objects.exists()


def test_a_head_cannot_remind_a_department_above_their_own(client, make_staff, division):
    unit_head = make_staff(division["seisaku"], "kacho", roles=[Role.DEPT_HEAD])
    make_staff(division["zaisei"])
    client.force_login(unit_head)

    response = client.post(
        reverse("lms:department_remind", args=[division["bu"].pk]), {"confirm": "1"}
    )
    town = client.post(reverse("lms:town_remind"), {"confirm": "1"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert town.status_code == HTTPStatus.FORBIDDEN
    assert not ReminderNow.objects.exists()


def test_the_dashboards_offer_the_buttons(client, division):
    client.force_login(division["head"])
    department = client.get(reverse("lms:department_dashboard", args=[division["bu"].pk]))
    assert reverse("lms:department_remind", args=[division["bu"].pk]) in department.content.decode()
    client.force_login(division["hr"])
    hr = client.get(reverse("lms:hr_dashboard"))
    assert reverse("lms:town_remind") in hr.content.decode()


# The POST (the confirmation page) by every role of town A, with town A's and town B's
# objects: who gets the page (200), everyone else 403/404. The access matrix asks these
# routes with GET only (refused: 405); this is their POST row of it.
OK, DENIED = "ok", "denied"
ROLES_OF_TOWN = {
    "staff": (),
    "dept_head": (Role.DEPT_HEAD,),
    "hr": (Role.HR,),
    "it_policy": (Role.IT_POLICY,),
    "dx_leader": (Role.DX_LEADER,),
    "admin": (Role.ADMIN,),
}
MAY_REMIND = {
    "department": {"dept_head", "hr", "admin"},
    "person": {"dept_head", "hr", "admin"},
    "town": {"hr", "admin"},
    "other_department": set(),
    "other_person": set(),
}


@pytest.mark.parametrize("role", [*ROLES_OF_TOWN, "operator", "anonymous"])
def test_who_may_post_a_reminder_by_role_in_town_and_in_another_town(
    client, make_staff, division, other_town, role
):
    member = make_staff(division["seisaku"])
    theirs = make_staff(other_town["jumin"])
    if role in ROLES_OF_TOWN:
        user = (
            division["head"]
            if role == "dept_head"
            else make_staff(division["bu"] if role != "hr" else "jinji", roles=ROLES_OF_TOWN[role])
        )
        client.force_login(user)
    elif role == "operator":
        from lms.factories import UserFactory

        client.force_login(UserFactory(is_superuser=True, is_staff=True))
    urls = {
        "department": reverse("lms:department_remind", args=[division["bu"].pk]),
        "person": reverse("lms:person_remind", args=[member.pk]),
        "town": reverse("lms:town_remind"),
        "other_department": reverse("lms:department_remind", args=[other_town["jumin"].pk]),
        "other_person": reverse("lms:person_remind", args=[theirs.pk]),
    }

    got = {}
    for name, url in urls.items():
        response = client.post(url)
        got[name] = OK if response.status_code == HTTPStatus.OK else DENIED
        if got[name] == DENIED:
            assert response.status_code in {
                HTTPStatus.FORBIDDEN,
                HTTPStatus.NOT_FOUND,
                HTTPStatus.FOUND,  # anonymous: sent to sign in
            }, (name, response.status_code)

    assert got == {name: OK if role in ok else DENIED for name, ok in MAY_REMIND.items()}
    assert not ReminderNow.objects.exists()


def _post_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.post(url).status_code == HTTPStatus.OK
    return len(context)


def test_the_confirmation_runs_the_same_number_of_queries_at_any_size(client, make_staff, division):
    url = reverse("lms:department_remind", args=[division["bu"].pk])
    _populate(make_staff, division, 4)
    client.force_login(division["head"])
    client.post(url)  # the first request of a session fills per-process caches
    small = _post_queries(client, url)
    _populate(make_staff, division, 40)

    assert _post_queries(client, url) == small
