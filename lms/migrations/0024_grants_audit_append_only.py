# An append-only audit log.
#
# - An account named in the audit log cannot be deleted (PROTECT instead of SET_NULL, which
#   would rewrite the log): no DDL, the rule is Django's.
# - On PostgreSQL a trigger refuses every UPDATE and DELETE on the audit table, except the
#   retention prune's DELETE of rows older than the limit it declares for its transaction
#   (lms.audit.audit_prune sets ``shinka.audit_prune_before`` with set_config(..., true)).
#   Nothing on SQLite, which has no such trigger.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION lms_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    prune_before text := current_setting('shinka.audit_prune_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(prune_before, '') <> ''
       AND OLD.occurred_at < prune_before::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of audit event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS lms_auditevent_append_only ON lms_auditevent;
CREATE TRIGGER lms_auditevent_append_only
    BEFORE UPDATE OR DELETE ON lms_auditevent
    FOR EACH ROW EXECUTE FUNCTION lms_auditevent_append_only();
"""

NOT_APPEND_ONLY = """
DROP TRIGGER IF EXISTS lms_auditevent_append_only ON lms_auditevent;
DROP FUNCTION IF EXISTS lms_auditevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)  # no parameters: the % are PL/pgSQL's

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0018_audit_actions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='subject',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='subject'),
        ),
        migrations.RunPython(_on_postgresql(APPEND_ONLY), _on_postgresql(NOT_APPEND_ONLY)),
    ]
