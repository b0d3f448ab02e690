"""Due dates in the calendar (lms/learner/calendar.py): the timeline on マイページ and the
private iCal feed, parsed back with the ``icalendar`` package."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from lms.factories import MembershipFactory, TrackAssignmentFactory, UserFactory
from lms.models import AuditEvent, CalendarFeed


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 8, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def due(make_course, learning_home, organization, departments, make_staff):
    """Two tracks for the counter (窓口係: the person) and one for HR (人事係) only."""
    security, _, _ = make_course(modules=1)
    security.title = "情報セキュリティ研修"
    security.save_revision().publish()
    basics, _, _ = make_course(modules=1)
    basics.title = "DX基礎"
    basics.save_revision().publish()
    hr_only, _, _ = make_course(modules=1)
    hr_only.title = "人事担当だけの研修"
    hr_only.save_revision().publish()
    TrackAssignmentFactory(organization=organization, track=security, applies_to_all=True)
    TrackAssignmentFactory(
        organization=organization,
        track=basics,
        departments=[departments["jumin"]],
        due_date=datetime.date(2026, 12, 25),
    )
    TrackAssignmentFactory(
        organization=organization,
        track=hr_only,
        departments=[departments["jinji"]],
        due_date=datetime.date(2026, 10, 15),
    )
    return {"security": security, "basics": basics, "hr_only": hr_only}


@pytest.fixture
def person(make_staff):
    return make_staff("mado")


def make_feed(client, user):
    client.force_login(user)
    response = client.post(reverse("lms:calendar_create"))
    assert response.status_code == 302
    return CalendarFeed.objects.get(user=user, revoked_at__isnull=True)


def fetch(client, token):
    client.logout()  # a calendar app has no session
    return client.get(reverse("lms:calendar_feed", args=[token]))


def events_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {
        str(event["summary"]): (event.decoded("dtstart"), event.decoded("dtend"), str(event["uid"]))
        for event in calendar.walk("VEVENT")
    }


def test_the_feed_lists_the_owners_due_dates_as_all_day_events(client, due, person):
    feed = make_feed(client, person)
    events = events_of(fetch(client, feed.token))

    assert set(events) == {"期限：情報セキュリティ研修", "期限：DX基礎"}
    start, end, _uid = events["期限：情報セキュリティ研修"]
    assert start == datetime.date(2026, 9, 30) and end == datetime.date(2026, 10, 1)
    assert isinstance(start, datetime.date) and not isinstance(start, datetime.datetime)
    assert events["期限：DX基礎"][0] == datetime.date(2026, 12, 25)


def test_the_feed_shows_only_the_token_owners_assignments(client, due, person, make_staff):
    hr_person = make_staff("jinji")
    person_events = events_of(fetch(client, make_feed(client, person).token))
    hr_events = events_of(fetch(client, make_feed(client, hr_person).token))

    assert "期限：人事担当だけの研修" not in person_events
    assert set(hr_events) == {"期限：情報セキュリティ研修", "期限：人事担当だけの研修"}


def test_the_feed_carries_no_personal_data(client, due, person):
    body = fetch(client, make_feed(client, person).token).content.decode()

    personal = [person.staff_number, person.get_full_name(), person.email, "窓口係", "テスト町"]
    assert all(personal)
    for value in personal:
        assert str(value) not in body


def test_uids_stay_the_same_from_one_fetch_to_the_next(client, due, person):
    feed = make_feed(client, person)
    first = {uid for _s, _e, uid in events_of(fetch(client, feed.token)).values()}
    second = {uid for _s, _e, uid in events_of(fetch(client, feed.token)).values()}

    assert first == second and len(first) == 2


def test_a_mid_year_joiner_sees_the_pro_rated_due_date(client, due, departments, positions):
    joiner = UserFactory(organization=departments["mado"].organization)
    MembershipFactory(
        user=joiner,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2026, 7, 1),
    )
    events = events_of(fetch(client, make_feed(client, joiner).token))

    # As many days as everyone had from 1 April: 1 July + (30 September − 1 April).
    expected = datetime.date(2026, 7, 1) + (datetime.date(2026, 9, 30) - datetime.date(2026, 4, 1))
    assert events["期限：情報セキュリティ研修"][0] == expected


def test_a_revoked_an_unknown_or_a_wrong_token_answers_404(client, due, person):
    feed = make_feed(client, person)
    token = feed.token
    key, secret = token.split(".", 1)

    wrong = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    assert fetch(client, f"{key}.{wrong}").status_code == 404
    assert fetch(client, f"{'0' * 32}.{secret}").status_code == 404
    assert fetch(client, "not-a-token").status_code == 404

    client.force_login(person)
    client.post(reverse("lms:calendar_revoke"))
    assert fetch(client, token).status_code == 404


def test_a_new_address_replaces_the_old_one(client, due, person):
    old = make_feed(client, person)
    new = make_feed(client, person)

    assert old.pk != new.pk
    assert fetch(client, old.token).status_code == 404
    assert fetch(client, new.token).status_code == 200


def test_a_deactivated_persons_feed_answers_404(client, due, person):
    feed = make_feed(client, person)
    person.is_active = False
    person.save()

    assert fetch(client, feed.token).status_code == 404


def test_making_and_stopping_an_address_is_audited(client, due, person):
    first = make_feed(client, person)
    second = make_feed(client, person)
    client.force_login(person)
    client.post(reverse("lms:calendar_revoke"))

    events = list(
        AuditEvent.objects.filter(subject=person, action__startswith="calendar_feed").order_by("pk")
    )
    assert [e.action for e in events] == [
        AuditEvent.Action.CALENDAR_FEED_CREATED,
        AuditEvent.Action.CALENDAR_FEED_CREATED,
        AuditEvent.Action.CALENDAR_FEED_REVOKED,
    ]
    assert all(e.actor_id == person.pk for e in events)
    assert events[1].detail["replaced"] == [str(first.key)]
    assert events[2].detail["feed"] == [str(second.key)]


def test_the_calendar_page_shows_the_address_and_how_to_subscribe(client, due, person):
    feed = make_feed(client, person)
    client.force_login(person)
    body = client.get(reverse("lms:calendar")).content.decode()

    assert reverse("lms:calendar_feed", args=[feed.token]) in body
    assert "Outlook" in body and "Google" in body


def test_my_page_shows_the_coming_due_dates_soonest_first(client, due, person):
    client.force_login(person)
    response = client.get(reverse("lms:mypage"))

    assert [item.title for item in response.context["due"]] == ["情報セキュリティ研修", "DX基礎"]
    body = response.content.decode()
    assert 'datetime="2026-09-30"' in body and reverse("lms:calendar") in body


def test_the_secret_is_long_and_random(person):
    secrets = {CalendarFeed.objects.create(user=UserFactory()).secret for _ in range(5)}

    assert len(secrets) == 5 and all(len(secret) >= 43 for secret in secrets)
