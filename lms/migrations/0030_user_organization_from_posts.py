# Each person's town from their posts (issue 14): the town of their primary post today
# (本務; with only 兼務, the lowest-id post, as lms/people/posts.py), else of their earliest
# post. People without any post stay without a town (platform operators), unless the
# deployment has a single town, which non-superusers then join.

from itertools import groupby

from django.db import migrations
from django.utils import timezone

BATCH = 1000


def town_of(posts, today):
    """posts: (id, is_primary, valid_from, valid_to, organization_id) of one person."""
    current = [p for p in posts if p[2] <= today and (p[3] is None or p[3] >= today)]
    if current:
        primary = [p for p in current if p[1]] or current
        return min(primary, key=lambda p: p[0])[4]
    return min(posts, key=lambda p: (p[2], p[0]))[4]


def fill_organization(apps, schema_editor):
    User = apps.get_model("lms", "User")
    Membership = apps.get_model("lms", "Membership")
    Organization = apps.get_model("lms", "Organization")
    today = timezone.localdate()
    rows = (
        Membership.objects.filter(user__organization__isnull=True)
        .order_by("user_id", "id")
        .values_list(
            "user_id", "id", "is_primary", "valid_from", "valid_to",
            "department__organization_id",
        )
        .iterator(chunk_size=BATCH)
    )
    by_town = {}
    for user_id, posts in groupby(rows, key=lambda row: row[0]):
        town = town_of([row[1:] for row in posts], today)
        by_town.setdefault(town, []).append(user_id)
    for town, user_ids in by_town.items():
        for start in range(0, len(user_ids), BATCH):
            User.objects.filter(pk__in=user_ids[start : start + BATCH]).update(
                organization_id=town
            )
    towns = list(Organization.objects.values_list("pk", flat=True)[:2])
    if len(towns) == 1:
        User.objects.filter(organization__isnull=True, is_superuser=False).update(
            organization_id=towns[0]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0029_user_organization'),
    ]

    operations = [
        migrations.RunPython(fill_organization, migrations.RunPython.noop),
    ]
