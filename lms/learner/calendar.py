"""Due dates in the person's own calendar: a private iCal feed, and the timeline on マイページ.

The feed's address carries a random key (which row) and a random secret (compared in
constant time); the person makes, replaces and stops it on their calendar page, each
audited. An unknown key, a wrong secret, a stopped feed or a deactivated account answers
404. The feed holds nothing but the titles of the tracks still to complete and their due
dates (all-day events on the due date, Asia/Tokyo), with UIDs that stay the same from one
fetch to the next. The due dates come from ``lms.assignments`` through マイページ's
selector: the earliest that applies, pro-rated for mid-year joiners.
"""

import datetime
import hmac
import uuid
from dataclasses import dataclass

import icalendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from lms.audit import Actor, audit_record
from lms.learner.selectors import mypage_for_user
from lms.models import AuditEvent, CalendarFeed

PRODUCT_ID = "-//Shinka//Due dates//JA"


def live_feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


@transaction.atomic
def calendar_feed_create(*, user, by: Actor) -> CalendarFeed:
    """A new address for the person's feed; the previous one (if any) stops working."""
    now = timezone.now()
    previous = list(
        CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    )
    for feed in previous:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
    feed = CalendarFeed.objects.create(user=user)
    audit_record(
        by=by,
        action=AuditEvent.Action.CALENDAR_FEED_CREATED,
        subject=user,
        feed=str(feed.key),
        replaced=[str(old.key) for old in previous],
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user, by: Actor) -> bool:
    """Stop the person's feed. False when there was none."""
    feeds = list(
        CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    )
    if not feeds:
        return False
    now = timezone.now()
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
    audit_record(
        by=by,
        action=AuditEvent.Action.CALENDAR_FEED_REVOKED,
        subject=user,
        feed=[str(feed.key) for feed in feeds],
    )
    return True


def feed_for(token: str) -> CalendarFeed | None:
    """The live feed of the address's token (``CalendarFeed.token``), or None."""
    key, _dot, secret = (token or "").partition(".")
    try:
        key = uuid.UUID(hex=key)
    except ValueError:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(key=key, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None:
        # Compare anyway, so an unknown key takes as long as a wrong secret.
        hmac.compare_digest(secret.encode(), b"-" * 43)
        return None
    if not hmac.compare_digest(secret.encode(), feed.secret.encode()):
        return None
    return feed


@dataclass
class DueItem:
    track_id: int
    title: str
    due_date: datetime.date
    overdue: bool
    days_left: int
    url: str


def coming_due_dates(page) -> list[DueItem]:
    """The assigned tracks of マイページ (``mypage_for_user``) not yet completed, soonest first;
    none the person is exempt from today (免除: nothing is due)."""
    items = [
        DueItem(
            track_id=track.page.id,
            title=track.page.title,
            due_date=track.due_date,
            overdue=track.overdue,
            days_left=(track.due_date - page.today).days,
            url=track.page.url,
        )
        for track in page.assigned
        if track.due_date and not track.completed and not getattr(track, "exemption", None)
    ]
    return sorted(items, key=lambda item: (item.due_date, item.title))


def feed_calendar(*, user, host: str, today: datetime.date | None = None) -> bytes:
    """The iCal text of the person's coming due dates."""
    today = today or local_today()
    page = mypage_for_user(user=user, today=today)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Shinka: training due dates"))
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    stamp = timezone.now().replace(microsecond=0)
    for item in coming_due_dates(page):
        event = icalendar.Event()
        event.add("uid", f"shinka-due-{page.fiscal_year}-track-{item.track_id}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", _("Due: %(title)s") % {"title": item.title})
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
