"""Shared access helpers for views: another person, or the viewer's town, or 404."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.fiscal import local_today
from lms.people.posts import organization_of


def subject_or_404(request, user_id: int, *, allowed, **lookup):
    """Another person the viewer may see, or 404 (never 403: ids do not leak who exists)."""
    subject = get_object_or_404(get_user_model(), pk=user_id, **lookup)
    if not allowed(request.user, subject, day=local_today()):
        raise Http404
    return subject


def organization_or_404(user, day):
    """The town of the viewer's posts on ``day``; 404 for someone with no post."""
    organization = organization_of(user, day=day)
    if organization is None:
        raise Http404
    return organization
