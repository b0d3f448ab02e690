from django.contrib.auth.management import create_permissions
from django.db import migrations

# Model permissions per role (copied here: migrations must not follow later code).
ROLE_PERMISSIONS = {
    "hr": [
        ("wagtailadmin", "access_admin"),
        *[("lms", f"{action}_{model}") for model in ("department", "position", "trackassignment")
          for action in ("add", "change", "delete", "view")],
        ("lms", "view_user"),
        ("lms", "change_user"),
        ("lms", "view_membership"),
    ],
    "it_policy": [
        ("lms", "view_department"),
        ("lms", "view_position"),
        *[("assessments", f"{action}_{model}")
          for model in ("question", "questionbank", "quiz", "skillarea")
          for action in ("add", "change", "delete", "view")],
        *[("content", f"{action}_glossaryterm") for action in ("add", "change", "delete", "view")],
    ],
    "dx_leader": [
        *[("assessments", f"{action}_{model}")
          for model in ("question", "questionbank", "quiz")
          for action in ("add", "change", "view")],
        ("assessments", "view_skillarea"),
        *[("content", f"{action}_glossaryterm") for action in ("add", "change", "view")],
    ],
}  # fmt: skip


def grant(apps, schema_editor):
    # Permissions of new models are normally created after all migrations ran.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codename in permissions:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0005_reports"),
        ("assessments", "0003_open_attempt_per_context"),
        ("content", "0002_documents_need_sign_in"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
