from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="lms", codename="view_auditevent"
    ).first()
    if permission:
        Group.objects.get_or_create(name="hr")[0].permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("lms", "0008_audit_sign_ins")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
