"""Hand-written SQL for the same results the jobs produce: the yardstick.

Written from the rules in the README and the report modules' docstrings, not
from the product's queries, so "equal results" is a real cross-check. The
SQL runs on PostgreSQL and SQLite (the smoke test); ``COPY`` is PostgreSQL's.
"""

import datetime
from typing import IO

from django.db import connection

from courses.fiscal import fiscal_year_of

# The live curriculum: (module id or None, course id, track id, annual, titles), in tree order.
CURRICULUM_SQL = """
SELECT m.id, c.id, t.id, cp.annual, t.title, c.title
FROM wagtailcore_page t
JOIN courses_trackpage tt ON tt.page_ptr_id = t.id
JOIN wagtailcore_page c ON substr(c.path, 1, length(c.path) - 4) = t.path AND c.live
JOIN courses_coursepage cp ON cp.page_ptr_id = c.id
LEFT JOIN (
    wagtailcore_page m JOIN courses_modulepage mm ON mm.page_ptr_id = m.id
) ON substr(m.path, 1, length(m.path) - 4) = c.path AND m.live
WHERE t.live
ORDER BY t.path, c.path, m.path
"""

# One row per person × course of a track assigned to them (README, "HR completion report").
# The curriculum (a few hundred pages) comes in as VALUES lists, so the planner knows its size.
PERSON_COURSE_SQL = """
WITH
course (id, track_id, cycle, course_order, track_title, course_title) AS (VALUES {courses}),
module (id, course_id, cycle) AS (VALUES {modules}),
post AS (
    SELECT m.id, m.user_id, m.is_primary, m.position_id, m.department_id, d.path
    FROM lms_membership m JOIN lms_department d ON d.id = m.department_id
    WHERE d.organization_id = %(organization)s
      AND m.valid_from <= %(as_of)s AND (m.valid_to IS NULL OR m.valid_to >= %(as_of)s)
),
home AS (
    SELECT post.user_id, post.department_id, post.position_id
    FROM post JOIN (
        SELECT user_id, COALESCE(MIN(CASE WHEN is_primary THEN id END), MIN(id)) AS id
        FROM post GROUP BY user_id
    ) pick ON pick.id = post.id
),
rule AS (
    SELECT a.id, a.track_id, a.due_date, a.applies_to_all,
           EXISTS (SELECT 1 FROM lms_trackassignment_departments x
                   WHERE x.trackassignment_id = a.id) AS by_department,
           EXISTS (SELECT 1 FROM lms_trackassignment_positions y
                   WHERE y.trackassignment_id = a.id) AS by_position
    FROM lms_trackassignment a
    WHERE a.organization_id = %(organization)s AND a.fiscal_year = %(fiscal_year)s
      AND a.track_id IN (SELECT track_id FROM course)
),
rule_department AS MATERIALIZED (
    -- Each rule department with every department under it (a few hundred pairs).
    SELECT x.trackassignment_id AS rule_id, sub.id AS department_id
    FROM lms_trackassignment_departments x
    JOIN lms_department d ON d.id = x.department_id
    JOIN lms_department sub
        ON sub.organization_id = d.organization_id AND sub.path LIKE d.path || '%%'
),
matched AS (
    SELECT post.user_id, rule.track_id, rule.due_date
    FROM rule JOIN post ON rule.applies_to_all
    UNION ALL
    SELECT post.user_id, rule.track_id, rule.due_date
    FROM rule JOIN post ON NOT rule.applies_to_all AND (rule.by_department OR rule.by_position)
    WHERE (NOT rule.by_department OR EXISTS (
            SELECT 1 FROM rule_department rd
            WHERE rd.rule_id = rule.id AND rd.department_id = post.department_id))
      AND (NOT rule.by_position OR EXISTS (
            SELECT 1 FROM lms_trackassignment_positions y
            WHERE y.trackassignment_id = rule.id AND y.position_id = post.position_id))
),
first AS (
    -- Each person's first day in the town this fiscal year: their earliest post held in it.
    SELECT m.user_id, MIN(m.valid_from) AS first_day
    FROM lms_membership m JOIN lms_department d ON d.id = m.department_id
    WHERE d.organization_id = %(organization)s
      AND m.valid_from <= %(fiscal_end)s AND (m.valid_to IS NULL OR m.valid_to >= %(fiscal_start)s)
    GROUP BY m.user_id
),
due AS (
    -- The earliest pro-rated due date: a joiner after 1 April gets first day + (due date −
    -- 1 April), never earlier than the due date, never later than 31 March.
    SELECT matched.user_id, matched.track_id, MIN({prorated}) AS due_date
    FROM matched JOIN first ON first.user_id = matched.user_id
    GROUP BY matched.user_id, matched.track_id
),
done AS (
    SELECT mc.user_id, module.course_id, COUNT(*) AS n
    FROM courses_modulecompletion mc
    JOIN module ON module.id = mc.module_id AND module.cycle = mc.cycle
    JOIN home ON home.user_id = mc.user_id
    GROUP BY mc.user_id, module.course_id
),
total AS (SELECT course_id, COUNT(*) AS n FROM module WHERE id IS NOT NULL GROUP BY course_id),
person_course AS (
    SELECT due.user_id, u.staff_number, u.family_name, u.given_name,
           home.department_id, home.position_id, course.track_id, course.track_title,
           course.id AS course_id, course.course_title, course.course_order,
           due.due_date, COALESCE(total.n, 0) AS modules_total,
           COALESCE(done.n, 0) AS modules_done, cc.completed_at, cc.source AS completion_source,
           CASE WHEN cc.completed_at IS NOT NULL THEN 'completed'
                WHEN done.n > 0 THEN 'in_progress'
                ELSE 'not_started' END AS status,
           CASE WHEN cc.completed_at IS NULL AND due.due_date < %(as_of)s THEN 1 ELSE 0 END
               AS overdue
    FROM due
    JOIN home ON home.user_id = due.user_id
    JOIN lms_user u ON u.id = due.user_id
    JOIN course ON course.track_id = due.track_id
    LEFT JOIN total ON total.course_id = course.id
    LEFT JOIN done ON done.user_id = due.user_id AND done.course_id = course.id
    LEFT JOIN courses_coursecompletion cc
        ON cc.user_id = due.user_id AND cc.course_id = course.id AND cc.cycle = course.cycle
)
"""

PERSON_ROWS_SQL = (
    PERSON_COURSE_SQL
    + """
SELECT user_id, staff_number, department_id, position_id, track_id, course_id, due_date,
       modules_total, modules_done, completed_at, status, overdue
FROM person_course
ORDER BY user_id, course_order
"""
)

# Department (own members) × course: assigned, completed, in progress, not started, overdue.
DEPARTMENT_COURSE_SQL = (
    PERSON_COURSE_SQL
    + """
SELECT department_id, course_id, COUNT(*),
       SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'not_started' THEN 1 ELSE 0 END),
       SUM(overdue)
FROM person_course
GROUP BY department_id, course_id
"""
)

# The per-person file as the job writes it (columns of lms.reporting.build.PERSON_HEADERS).
PERSON_EXPORT_SQL = (
    PERSON_COURSE_SQL
    + """
SELECT pc.staff_number,
       TRIM(pc.family_name || ' ' || pc.given_name),
       d.name, p.name, pc.track_title, pc.course_title,
       CASE pc.status WHEN 'completed' THEN '修了' WHEN 'in_progress' THEN '受講中'
            ELSE '未着手' END,
       to_char(pc.due_date, 'YYYY-MM-DD'),
       to_char(pc.completed_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'),
       pc.modules_done, pc.modules_total,
       CASE WHEN pc.overdue = 1 THEN '期限超過' END,
       CASE pc.completion_source
            WHEN 'recorded' THEN '記録' WHEN 'imported' THEN '記録（取込）' END,
       NULL  -- 失効日: the baseline predates renewal courses
FROM person_course pc
JOIN lms_department d ON d.id = pc.department_id
JOIN lms_position p ON p.id = pc.position_id
ORDER BY pc.user_id, pc.course_order
"""
)


def _params(organization, as_of: datetime.date) -> dict:
    fiscal_year = fiscal_year_of(as_of)
    return {
        "organization": organization.pk,
        "as_of": as_of,
        "fiscal_year": fiscal_year,
        "fiscal_start": datetime.date(fiscal_year, 4, 1),
        "fiscal_end": datetime.date(fiscal_year + 1, 3, 31),
    }


def _prorated() -> str:
    """first.first_day + (matched.due_date − 1 April), clamped to [due date, 31 March]."""
    if connection.vendor == "postgresql":
        moved = "first.first_day + (matched.due_date - CAST(%(fiscal_start)s AS date))"
        clamped = f"GREATEST(matched.due_date, LEAST({moved}, CAST(%(fiscal_end)s AS date)))"
    else:  # SQLite: ISO text dates, scalar max/min
        moved = (
            "date(first.first_day,"
            " (julianday(matched.due_date) - julianday(%(fiscal_start)s)) || ' days')"
        )
        clamped = f"max(matched.due_date, min({moved}, %(fiscal_end)s))"
    return f"CASE WHEN first.first_day > %(fiscal_start)s THEN {clamped} ELSE matched.due_date END"


def _with_curriculum(sql: str, params: dict) -> tuple[str, dict]:
    """``sql`` with the live curriculum filled in as VALUES (one query to read it)."""
    with connection.cursor() as cursor:
        cursor.execute(CURRICULUM_SQL)
        curriculum = cursor.fetchall()
    courses, modules, seen = [], [], set()
    for module_id, course_id, track_id, annual, track_title, course_title in curriculum:
        cycle = params["fiscal_year"] if annual else 0
        if course_id not in seen:
            seen.add(course_id)
            n = len(courses)
            params[f"track_title{n}"], params[f"course_title{n}"] = track_title, course_title
            courses.append(
                f"({int(course_id)}, {int(track_id)}, {cycle}, {n}, "
                f"%(track_title{n})s, %(course_title{n})s)"
            )
        if module_id is not None:
            modules.append(f"({int(module_id)}, {int(course_id)}, {cycle})")
    if not courses:
        return "", params
    # A course without modules still needs a row of the right shape.
    modules = modules or ["(NULL, NULL, NULL)"]
    return (
        sql.format(courses=", ".join(courses), modules=", ".join(modules), prorated=_prorated()),
        params,
    )


def _fetch(sql: str, organization, as_of) -> list[tuple]:
    sql, params = _with_curriculum(sql, _params(organization, as_of))
    if not sql:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def person_rows(*, organization, as_of: datetime.date) -> list[tuple]:
    return _fetch(PERSON_ROWS_SQL, organization, as_of)


def department_course_tallies(*, organization, as_of: datetime.date) -> dict:
    """{(department id, course id): (assigned, completed, in progress, not started, overdue)}."""
    return {
        (department, course): tuple(int(n) for n in counts)
        for department, course, *counts in _fetch(DEPARTMENT_COURSE_SQL, organization, as_of)
    }


def copy_person_csv(*, organization, as_of: datetime.date, stream: IO[bytes]) -> None:
    """``COPY (the per-person SELECT) TO STDOUT`` as CSV with a header, into ``stream``."""
    from psycopg import ClientCursor

    from lms.reporting.build import PERSON_HEADERS

    connection.ensure_connection()
    raw = connection.connection
    sql, params = _with_curriculum(PERSON_EXPORT_SQL, _params(organization, as_of))
    query = ClientCursor(raw).mogrify(sql, params)
    header = ",".join(PERSON_HEADERS) + "\r\n"
    stream.write(("\ufeff" + header).encode())
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                stream.write(block)


# DX-leader candidates (lms/reports/candidates.py docstring): latest level per category as
# of the date; every minimum met; points for levels above the minimums, volunteering,
# endorsement and modules authored.
CANDIDATES_SQL = """
WITH
latest AS (
    SELECT user_id, code, level FROM (
        SELECT r.user_id, a.code, r.level,
               ROW_NUMBER() OVER (PARTITION BY r.user_id, r.area_id
                                  ORDER BY r.assessed_at DESC, r.id DESC) AS n
        FROM assessments_skillresult r
        JOIN assessments_skillarea a ON a.id = r.area_id AND a.parent_id IS NULL
        WHERE r.assessed_at < %(day_after)s
    ) ranked
    WHERE n = 1
),
member AS (
    -- Everyone active, at their primary post in the town (failing one, their first post).
    SELECT user_id, department_id, staff_number FROM (
        SELECT m.user_id, m.department_id, u.staff_number,
               ROW_NUMBER() OVER (PARTITION BY m.user_id
                                  ORDER BY CASE WHEN m.is_primary THEN 0 ELSE 1 END, m.id) AS n
        FROM lms_membership m
        JOIN lms_department d ON d.id = m.department_id
        JOIN lms_user u ON u.id = m.user_id
        WHERE d.organization_id = %(organization)s AND u.is_active
          AND m.valid_from <= %(as_of)s AND (m.valid_to IS NULL OR m.valid_to >= %(as_of)s)
    ) posts
    WHERE n = 1
),
nomination AS (
    SELECT user_id,
           MAX(CASE WHEN kind = 'self' THEN 1 ELSE 0 END) AS volunteered,
           MAX(CASE WHEN kind = 'endorsement' THEN 1 ELSE 0 END) AS endorsed
    FROM lms_leadernomination
    WHERE fiscal_year = %(fiscal_year)s AND created_at < %(day_after)s
    GROUP BY user_id
),
levels AS (SELECT user_id, {pivots} FROM latest GROUP BY user_id),
authored AS (
    SELECT owner_id AS user_id, COUNT(*) AS n
    FROM wagtailcore_page p JOIN courses_modulepage m ON m.page_ptr_id = p.id
    WHERE p.live AND p.owner_id IS NOT NULL AND p.first_published_at < %(day_after)s
    GROUP BY owner_id
)
SELECT member.department_id, member.user_id, member.staff_number,
       {level_points}
       + COALESCE(nomination.volunteered, 0) * %(weight_self)s
       + COALESCE(nomination.endorsed, 0) * %(weight_endorsement)s
       + COALESCE(authored.n, 0) * %(weight_authored)s AS score
FROM member
LEFT JOIN levels ON levels.user_id = member.user_id
LEFT JOIN nomination ON nomination.user_id = member.user_id
LEFT JOIN authored ON authored.user_id = member.user_id
WHERE {minimums_met}
ORDER BY member.department_id, score DESC, member.staff_number
"""


def candidates(*, organization, as_of: datetime.date, criteria: dict) -> list[tuple]:
    """(department id, user id, score) ranked per department, for criteria with minimums.

    ``criteria`` is the job's snapshot (``criteria_snapshot``); the required track is
    not modelled here, so the bench keeps it unset.
    """
    minimums = criteria["minimum_levels"]
    if not minimums or criteria["required_track_id"]:
        raise ValueError("The SQL baseline covers criteria with minimum levels and no track.")
    params = {
        **_params(organization, as_of),
        "day_after": _day_after_in_local_time(as_of),
        "weight_self": criteria["weight_self_nomination"],
        "weight_endorsement": criteria["weight_endorsement"],
        "weight_authored": criteria["weight_authored"],
        "weight_level": criteria["weight_level"],
    }
    pivots, points, conditions = [], [], []
    for index, (code, minimum) in enumerate(sorted(minimums.items())):
        params[f"code{index}"], params[f"min{index}"] = code, minimum
        pivots.append(f"MAX(CASE WHEN code = %(code{index})s THEN level END) AS l{index}")
        level = f"COALESCE(levels.l{index}, 0)"
        points.append(
            f"(CASE WHEN {level} > %(min{index})s "
            f"THEN ({level} - %(min{index})s) * %(weight_level)s ELSE 0 END)"
        )
        conditions.append(f"{level} >= %(min{index})s")
    sql = CANDIDATES_SQL.format(
        pivots=", ".join(pivots),
        level_points=" + ".join(points),
        minimums_met=" AND ".join(conditions),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(department, user, int(score)) for department, user, _n, score in cursor]


def _day_after_in_local_time(day: datetime.date) -> datetime.datetime:
    """``assessed_at__date <= day`` in the site's time zone, as a half-open bound."""
    from django.utils import timezone

    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(start)
