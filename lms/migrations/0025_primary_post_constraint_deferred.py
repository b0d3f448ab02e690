# One primary post (本務) a day (migration 0020), checked at commit rather than row by
# row: DEFERRABLE INITIALLY DEFERRED. A transfer saved in one go (end the 本務 on 3/31,
# make the 兼務 starting 4/1 the 本務) passes through a state where both are open
# whichever row is saved first; only the state at commit must keep the rule. PostgreSQL
# cannot ALTER an exclusion constraint's deferrability, so it is dropped and added again
# (in this migration's transaction: no moment without it). SQLite: nothing to do.
#
# Code that must know at once (the Django admin's user screen, which turns a refusal into
# a message instead of a 500) runs ``SET CONSTRAINTS … IMMEDIATE`` (lms.models.organisation
# .primary_posts_check_now).

from django.db import migrations

CONSTRAINT = "membership_one_primary_post_a_day"

DEFINITION = f"""
ALTER TABLE lms_membership ADD CONSTRAINT {CONSTRAINT}
EXCLUDE USING gist (user_id WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
WHERE (is_primary)
"""


def _replace(schema_editor, suffix):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE lms_membership DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
    schema_editor.execute(DEFINITION + suffix)


def deferred(apps, schema_editor):
    _replace(schema_editor, " DEFERRABLE INITIALLY DEFERRED")


def immediate(apps, schema_editor):
    _replace(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0023_audit_actions_merged"),
    ]

    operations = [
        migrations.RunPython(deferred, immediate, elidable=False),
    ]
