# Who may grant what, and an append-only audit log.
#
# - Three new audited actions (account flags, reset links sent, own password changed).
# - An account named in the audit log cannot be deleted (PROTECT instead of SET_NULL, which
#   would rewrite the log): no DDL, the rule is Django's.
# - On PostgreSQL a trigger refuses every UPDATE and DELETE on the audit table, except the
#   retention prune's DELETE of rows older than the limit it declares for its transaction
#   (lms.audit.audit_prune sets ``shinka.audit_prune_before`` with set_config(..., true)).
#   Nothing on SQLite, which has no such trigger.
# - The town's site administrators (role ``admin``) get Wagtail's user screens (view and
#   change, not add or delete); what they may change there is decided by lms.people.grants.

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
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


# Copied, not imported: a migration must keep working after the code changes.
ADMIN_ROLE_PERMISSIONS = [("lms", "view_user"), ("lms", "change_user")]


def grant_user_screens(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="admin")
    for app_label, codename in ADMIN_ROLE_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            admin.permissions.add(permission)


def withdraw_user_screens(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="admin").first()
    if admin:
        admin.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="lms", codename__in=["view_user", "change_user"]
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0020_one_primary_post_a_day'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login_succeeded', 'Signed in'), ('login_failed', 'Failed to sign in'), ('mfa_added', 'Two-factor authentication set up'), ('mfa_removed', 'Two-factor authentication removed'), ('mfa_reset', 'Recovery codes regenerated'), ('mfa_failed', 'Wrong two-factor code'), ('roles_changed', 'Roles changed'), ('report_generated', 'Report generated'), ('person_progress_viewed', "Viewed a person's progress"), ('person_skills_viewed', "Viewed a person's skill levels"), ('report_downloaded', 'Downloaded a report'), ('roster_imported', 'Imported the staff list'), ('roster_exported', 'Exported the staff list'), ('person_data_exported', 'Exported all data held about a person'), ('person_anonymised', 'Anonymised a former member of staff'), ('criteria_changed', 'Changed the DX leader candidate criteria'), ('account_changed', "Changed an account's active or superuser flag"), ('password_reset_sent', 'Sent someone a password reset link'), ('password_changed', 'Changed their own password')], max_length=40, verbose_name='action'),
        ),
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
        migrations.RunPython(grant_user_screens, withdraw_user_screens),
    ]
