# One primary post (本務) per person and day. On PostgreSQL the database enforces it with
# an exclusion constraint over the posts' inclusive date ranges (an empty valid_to is
# "until further notice": an unbounded range); it needs btree_gist for the equality on
# user_id. SQLite has no exclusion constraints: there Membership.clean(), the admin's
# formset and the roster import keep the rule, and this migration does nothing.
#
# Rows that already break the rule stop the migration with the staff numbers to fix
# (untick "primary post" on one of the two posts, or end the earlier one), rather than
# this migration guessing which of two posts is someone's 本務.

from django.db import migrations

CONSTRAINT = "membership_one_primary_post_a_day"

OVERLAPS = """
SELECT DISTINCT u.staff_number
FROM lms_membership a
JOIN lms_membership b
  ON b.user_id = a.user_id AND b.id > a.id AND a.is_primary AND b.is_primary
 AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]')
JOIN lms_user u ON u.id = a.user_id
ORDER BY u.staff_number
LIMIT 20
"""

ADD = f"""
ALTER TABLE lms_membership ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (user_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
WHERE (is_primary)
"""


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        clashes = [row[0] for row in cursor.fetchall()]
    if clashes:
        raise RuntimeError(
            "These staff have two primary posts on the same days; make one of them a "
            "concurrent post or end it, then migrate again: " + ", ".join(clashes)
        )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(ADD)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other schemas may use it, and it costs nothing.
    schema_editor.execute(f"ALTER TABLE lms_membership DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):

    dependencies = [
        ("lms", "0019_report_run_dispatch"),
    ]

    operations = [
        migrations.RunPython(add_constraint, drop_constraint, elidable=False),
    ]
