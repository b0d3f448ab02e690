from django.db import migrations

# Fixed role codes (lms.roles.Role). Copied, not imported: a migration must
# keep working after the code it was written with changes.
ROLE_CODES = ["staff", "dept_head", "hr", "it_policy", "dx_leader", "admin"]
ADMIN_ACCESS_ROLES = ["dx_leader", "it_policy", "admin"]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for code in ROLE_CODES:
        Group.objects.get_or_create(name=code)
    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    for code in ADMIN_ACCESS_ROLES:
        Group.objects.get(name=code).permissions.add(access_admin)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_CODES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0002_track_assignment"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
