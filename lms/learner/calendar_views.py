"""予定表に期限を表示: the person's calendar page and their private feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lms.audit import Actor
from lms.learner.calendar import (
    calendar_feed_create,
    calendar_feed_revoke,
    feed_calendar,
    feed_for,
    live_feed_of,
)


@login_required
@never_cache
def calendar(request):
    """The person's feed address, with how to subscribe to it, and the buttons to make,
    replace or stop it."""
    feed = live_feed_of(request.user)
    address = (
        request.build_absolute_uri(reverse("lms:calendar_feed", args=[feed.token])) if feed else ""
    )
    return render(request, "lms/calendar.html", {"feed": feed, "address": address})


@login_required
@require_POST
def calendar_create(request):
    replaced = live_feed_of(request.user) is not None
    calendar_feed_create(user=request.user, by=Actor.of(request))
    messages.success(
        request,
        _(
            "A new address was made. The previous address no longer works: "
            "subscribe again with this one."
        )
        if replaced
        else _("Your calendar address was made. Subscribe to it in your calendar."),
    )
    return redirect("lms:calendar")


@login_required
@require_POST
def calendar_revoke(request):
    if calendar_feed_revoke(user=request.user, by=Actor.of(request)):
        messages.success(
            request, _("The address was stopped. Calendars no longer receive due dates from it.")
        )
    else:
        messages.info(request, _("You have no calendar address."))
    return redirect("lms:calendar")


@require_GET
@never_cache
def calendar_feed(request, token: str):
    """The feed: for whoever holds the address (a calendar app signs in to nothing)."""
    feed = feed_for(token)
    if feed is None:
        raise Http404
    body = feed_calendar(user=feed.user, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shinka-due-dates.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
