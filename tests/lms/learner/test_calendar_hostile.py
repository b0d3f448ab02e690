"""The iCal feed against a hostile colleague: a token made of my key and someone else's
secret, truncated or padded tokens, the address's make and stop buttons without CSRF or by
GET, and a track title written to break the iCal text."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from lms.models import CalendarFeed
from tests.lms.learner.test_calendar import due, events_of, fetch, make_feed, person

__all__ = ["due", "person"]  # fixtures of the calendar tests, used here too


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 8, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


def test_my_key_with_a_colleagues_secret_or_the_reverse_is_not_found(
    client, due, person, make_staff
):
    mine = make_feed(client, person)
    theirs = make_feed(client, make_staff("jinji"))
    my_key, my_secret = mine.token.split(".", 1)
    their_key, their_secret = theirs.token.split(".", 1)

    assert fetch(client, f"{my_key}.{their_secret}").status_code == HTTPStatus.NOT_FOUND
    assert fetch(client, f"{their_key}.{my_secret}").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    "shape",
    [
        "{key}",
        "{key}.",
        "{key}.{secret_head}",
        "{key}.{secret}x",
        "{key}.{secret}.{secret}",
        "{key_upper}.{secret_upper}",
        ".{secret}",
        "{key}%00.{secret}",
    ],
)
def test_a_token_cut_padded_or_recased_is_not_found(client, due, person, shape):
    feed = make_feed(client, person)
    key, secret = feed.token.split(".", 1)
    token = shape.format(
        key=key,
        secret=secret,
        secret_head=secret[:10],
        key_upper=key.upper(),
        secret_upper=secret.upper() if secret.upper() != secret else secret.lower(),
    )

    assert fetch(client, token).status_code == HTTPStatus.NOT_FOUND


def test_making_and_stopping_the_address_need_a_post_with_csrf(due, person):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)

    for name in ("lms:calendar_create", "lms:calendar_revoke"):
        assert strict.get(reverse(name)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert strict.post(reverse(name)).status_code == HTTPStatus.FORBIDDEN
    assert not CalendarFeed.objects.exists()


def test_a_title_written_to_break_the_ical_text_stays_one_summary(client, due, person):
    track = due["security"]
    track.title = "研修\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:偽の予定"
    track.save_revision().publish()

    body = fetch(client, make_feed(client, person).token).content
    events = events_of(fetch(client, CalendarFeed.objects.get().token))

    calendar = icalendar.Calendar.from_ical(body)
    assert len(calendar.walk("VEVENT")) == 2
    assert "偽の予定" not in {str(summary) for summary in events}
    assert b"\r\nSUMMARY:\xe5\x81\xbd" not in body
