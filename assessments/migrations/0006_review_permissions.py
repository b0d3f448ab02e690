"""Quiz content is reviewed (0004/0005): on a site that is upgraded, IT policy keeps
authoring and publishing it without anyone running ``setup_authoring`` first.

- The ``it_policy`` group gets publish, lock and unlock on question banks, questions and
  quizzes, and ``assessments.manage_all_banks`` (every bank, skill checks included). Without
  it, IT policy would lose the skill-check banks at the upgrade and nobody but the operator
  could publish a question.
- Where the review workflow 「DX推進リーダー作成 → 情報政策担当承認」 exists (a site set up
  before), it is assigned to those three models too, unless they already have a workflow.

What ``lms.people.authoring.authoring_setup`` does for a new site, copied here as it is
today, not imported: migrations must not change when the code does. Models come from
``apps.get_model``. Permissions are created if missing, as Wagtail names them (it creates
the same ones after migrating, and skips those that exist). Reversed as a no-op: the
groups' other permissions are left as they are.
"""

from django.db import migrations

IT_POLICY = "it_policy"
WORKFLOW_NAME = "DX推進リーダー作成 → 情報政策担当承認"
REVIEWED = {"questionbank": "question bank", "question": "question", "quiz": "quiz"}
IT_POLICY_ACTIONS = ("publish", "lock", "unlock")
MANAGE_ALL_BANKS = (
    "questionbank",
    "manage_all_banks",
    "Can author every question bank, skill checks included",
)


def grant_and_assign(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    content_types = {
        model: ContentType.objects.get_or_create(app_label="assessments", model=model)[0]
        for model in REVIEWED
    }
    it_policy, _created = Group.objects.get_or_create(name=IT_POLICY)
    for model, verbose_name in REVIEWED.items():
        for action in IT_POLICY_ACTIONS:
            permission, _created = Permission.objects.get_or_create(
                content_type=content_types[model],
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {verbose_name}"},
            )
            it_policy.permissions.add(permission)
    model, codename, name = MANAGE_ALL_BANKS
    permission, _created = Permission.objects.get_or_create(
        content_type=content_types[model], codename=codename, defaults={"name": name}
    )
    it_policy.permissions.add(permission)

    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is not None:
        for content_type in content_types.values():
            WorkflowContentType.objects.get_or_create(
                content_type=content_type, defaults={"workflow": workflow}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_content_review_data"),
        ("lms", "0003_role_groups"),  # the role groups (it_policy)
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant_and_assign, migrations.RunPython.noop)]
