"""Who may author what in the Wagtail admin, and the review workflow.

- IT policy (情報政策担当) edits and publishes everything under a learning home.
- A DX promotion leader edits only the tracks they are given: each track has
  its own editors' group with add/change permission on that subtree (no
  publish), and every change goes through the workflow
  「DX推進リーダー作成 → 情報政策担当承認」 before learners see it.
- Quiz content (question banks, questions, quizzes) goes through the same
  workflow. IT policy publishes it and alone authors skill checks and gives banks
  and quizzes to tracks (``assessments.manage_all_banks``); a DX promotion leader
  authors the banks and quizzes of their tracks without publishing
  (``assessments.authoring``).

Idempotent: every function may be run again (seed, ``setup_authoring``).
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowTask,
)

from assessments.models import MANAGE_ALL_BANKS, Question, QuestionBank, Quiz
from lms.audit import Actor
from lms.models import Organization
from lms.people.roles import Role, person_roles_add
from lms.towns import towns_of_home

WORKFLOW_NAME = "DX推進リーダー作成 → 情報政策担当承認"
TRACK_EDITORS_PREFIX = "track-editors-"
APPROVAL_TASK_NAME = "情報政策担当の承認"
IT_POLICY_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
EDITOR_PAGE_PERMISSIONS = ("add", "change")
AUTHOR_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
)
# Quiz content is reviewed like pages: the workflow is assigned to these snippet models.
REVIEWED_SNIPPETS = (QuestionBank, Question, Quiz)
IT_POLICY_SNIPPET_PERMISSIONS = ("publish", "lock", "unlock")


def _page_permission(page, group, kind):
    permission = Permission.objects.get(
        content_type__app_label="wagtailcore", codename=f"{kind}_page"
    )
    GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


@transaction.atomic
def authoring_setup(*, home) -> Workflow:
    """Page permissions for IT policy on ``home`` (they count in ``home``'s town only,
    ``lms.people.town_content``), the town's collection with the authors' image and
    document permissions, the workflow."""
    it_policy = Group.objects.get_or_create(name=Role.IT_POLICY)[0]
    for kind in IT_POLICY_PAGE_PERMISSIONS:
        _page_permission(home, it_policy, kind)
    for town in towns_of_home(home):
        town_collection_setup(organization=town)
    task = GroupApprovalTask.objects.filter(name=APPROVAL_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=APPROVAL_TASK_NAME)
        task.groups.set([it_policy])
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if created:
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
    _review_quiz_content(it_policy, workflow)
    return workflow


def town_collection_setup(*, organization) -> Collection:
    """The town's own collection of documents and images (made under the root collection
    when missing, 「<town>の資料」), the authors' permissions on it, and the library items
    of the town still in the root collection moved into it: those uploaded by the town's
    people, and every one when the deployment has a single town. Idempotent."""
    collection = organization.collection
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=f"{organization.name}の資料")
        organization.collection = collection
        organization.save(update_fields=["collection"])
    for group_name in (Role.DX_LEADER, Role.IT_POLICY):
        group = Group.objects.get_or_create(name=group_name)[0]
        for app_label, codename in AUTHOR_COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group,
                collection=collection,
                permission=Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                ),
            )
    root = Collection.get_first_root_node()
    for model in (get_document_model(), get_image_model()):
        in_root = model.objects.filter(collection=root)
        if Organization.objects.count() > 1:
            in_root = in_root.filter(uploaded_by_user__organization=organization)
        in_root.update(collection=collection)
    return collection


def _review_quiz_content(it_policy: Group, workflow: Workflow) -> None:
    """The workflow for banks, questions and quizzes; IT policy publishes them and
    authors skill checks (hidden from everyone else, who take them)."""
    for model in REVIEWED_SNIPPETS:
        content_type = ContentType.objects.get_for_model(model)
        WorkflowContentType.objects.update_or_create(
            content_type=content_type, defaults={"workflow": workflow}
        )
        for kind in IT_POLICY_SNIPPET_PERMISSIONS:
            it_policy.permissions.add(
                Permission.objects.get(
                    content_type=content_type, codename=f"{kind}_{model._meta.model_name}"
                )
            )
    app_label, codename = MANAGE_ALL_BANKS.split(".")
    it_policy.permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )


def track_editors_group(track) -> Group:
    """The group that may edit one track's pages (not publish them)."""
    group, _created = Group.objects.get_or_create(name=f"{TRACK_EDITORS_PREFIX}{track.pk}")
    for kind in EDITOR_PAGE_PERMISSIONS:
        _page_permission(track, group, kind)
    return group


@transaction.atomic
def track_editor_assign(*, track, user, actor: Actor) -> None:
    """Let a DX promotion leader author one track (a role change, audited with ``actor``)."""
    person_roles_add(
        user=user,
        groups=[track_editors_group(track), Group.objects.get_or_create(name=Role.DX_LEADER)[0]],
        actor=actor,
    )
