"""A person's posts (本務・兼務) on a day, their primary post, and the organisation they work for.

The primary-post rule, decided here once, in Python and in SQL side by side:

    Among the posts a person holds on a day (in one organisation, when one is
    given), their primary post is their 本務 (``is_primary``). Two 本務 never
    overlap (``Membership.clean()``, the roster import and, on PostgreSQL, an
    exclusion constraint refuse it); should older rows still overlap, the one
    with the lowest id wins. A person with only concurrent posts (兼務) that day
    has the lowest-id one as their home post: they are counted, listed and
    headed there. Nobody without a post that day has one.

In Python: ``pick_primary_post`` over posts already read, ``primary_post`` (one
query), and ``memberships_on``, which puts the primary post first. In SQL:
``primary_post_ctes``, for queries over a whole organisation (the completion
report, the DX-leader candidates).

Scope: the report, the roster export and the candidates place a person within
one organisation (a town's figures count a person at their post in that town);
``headed_department`` and マイページ look at all of a person's posts.
"""

import datetime
from collections.abc import Iterable
from typing import TypeVar

from lms.models import Department, Membership

# What the rule orders a person's posts of the day by: 本務 first, then the lowest id.
PRIMARY_POST_ORDER = ("-is_primary", "id")

Post = TypeVar("Post")


def primary_post_key(post) -> tuple[bool, int]:
    """``PRIMARY_POST_ORDER`` in Python: anything with ``is_primary`` and ``id`` sorts."""
    return (not post.is_primary, post.id)


def pick_primary_post(posts: Iterable[Post]) -> Post | None:
    """The primary post among one person's posts of a day (the rule above), or None."""
    return min(posts, key=primary_post_key, default=None)


def primary_post(*, user, day: datetime.date, organization=None) -> Membership | None:
    """The user's primary post on ``day`` (in ``organization``, if given): one query."""
    posts = Membership.objects.active_on(day).filter(user=user)
    if organization is not None:
        posts = posts.filter(department__organization=organization)
    return (
        posts.select_related("department__organization", "position")
        .order_by(*PRIMARY_POST_ORDER)
        .first()
    )


def memberships_on(*, user, day: datetime.date) -> list[Membership]:
    """The user's posts on ``day``, the primary post first, then by department: one query."""
    posts = list(
        Membership.objects.active_on(day)
        .filter(user=user)
        .select_related("department__organization", "position")
        .order_by("department__sort_order", "id")
    )
    home = pick_primary_post(posts)
    return [home, *(post for post in posts if post is not home)] if home else []


def organization_of(user, *, day: datetime.date):
    """The organisation of the user's primary post on ``day``, or None."""
    post = primary_post(user=user, day=day)
    return post.department.organization if post else None


def posts_on_sql(*, organization: str, day: str, where: str = "") -> str:
    """SQL: the posts held on ``day`` in ``organization`` (placeholders such as
    ``%(as_of)s``), as rows (id, user_id, is_primary, department_id, position_id).
    ``where`` adds conditions on ``m`` (the membership) and ``d`` (its department)."""
    return f"""
    SELECT m.id, m.user_id, m.is_primary, m.department_id, m.position_id
    FROM {Membership._meta.db_table} m
    JOIN {Department._meta.db_table} d ON d.id = m.department_id
    WHERE d.organization_id = {organization}
      AND m.valid_from <= {day} AND (m.valid_to IS NULL OR m.valid_to >= {day})
      {where}"""


def primary_post_ids_sql(posts: str) -> str:
    """SQL: the id of each person's primary post among the rows of ``posts`` (a table or
    CTE with id, user_id and is_primary): ``PRIMARY_POST_ORDER``, one id per person."""
    return (
        f"SELECT COALESCE(MIN(CASE WHEN {posts}.is_primary THEN {posts}.id END), MIN({posts}.id))"
        f" FROM {posts} GROUP BY {posts}.user_id"
    )


def primary_post_ctes(
    *,
    organization: str = "%(organization)s",
    day: str = "%(as_of)s",
    posts: str = "post",
    home: str = "home",
    where: str = "",
) -> str:
    """Two CTEs (portable SQL) to put after ``WITH``: ``posts``, every post held on ``day``
    in ``organization`` (``posts_on_sql``), and ``home``, each person's primary post
    among them: (user_id, membership_id, department_id, position_id), one row a person.

    Not materialised, so the planner keeps the tables' statistics.
    """
    held = posts_on_sql(organization=organization, day=day, where=where)
    return f"""{posts} AS NOT MATERIALIZED ({held}
),
{home} AS NOT MATERIALIZED (
    SELECT {posts}.user_id, {posts}.id AS membership_id, {posts}.department_id,
           {posts}.position_id
    FROM {posts}
    WHERE {posts}.id IN ({primary_post_ids_sql(posts)})
)"""
