"""Pages, documents and images per town (lms/people/town_content.py, the guard in
content/middleware.py, the chooser hook in lms/wagtail_hooks.py): IT policy of town A, whose
group holds page permissions on every town's learning home (``setup_authoring``), edits and
publishes town A's pages and nothing of town B's; the page chooser and the document library
show only the town's own."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page
from wagtail.permissions import policy_registry

from courses.models import LearningHomePage
from lms.models import Organization
from lms.people.authoring import authoring_setup
from lms.people.roles import Role
from tests.lms.people.test_authoring import edit_data


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def towns(two_towns, make_staff):
    """Both towns set up for authoring as ``setup_authoring`` does; IT policy of town A."""
    for home in LearningHomePage.objects.all():
        authoring_setup(home=home)
    two_towns.it_policy = make_staff("somu", roles=[Role.IT_POLICY])
    for name in ("a_module", "b_module"):
        getattr(two_towns, name).save_revision().publish()
    return two_towns


@pytest.fixture
def it_policy(client, towns):
    client.force_login(towns.it_policy)
    return client


def _refused(response) -> bool:
    """403, 404, or Wagtail's own refusal: back to the admin's home (with a message)."""
    return response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND) or (
        response.status_code == HTTPStatus.FOUND and response.url == reverse("wagtailadmin_home")
    )


def _document(organization, title, uploaded_by):
    collection = Organization.objects.get(pk=organization.pk).collection
    document = get_document_model()(
        title=title, collection=collection, uploaded_by_user=uploaded_by
    )
    document.file.save(f"{title}.txt", ContentFile(b"x"))
    return document


def test_every_town_has_its_own_collection_under_the_root(towns):
    a, b = (Organization.objects.get(pk=town.pk) for town in (towns.a, towns.b))

    assert a.collection and b.collection and a.collection != b.collection
    root = Collection.get_first_root_node()
    assert a.collection.get_parent() == root and b.collection.get_parent() == root


@pytest.mark.parametrize(
    "route",
    ["edit", "delete", "unpublish", "move", "copy", "history", "move_confirm"],
)
def test_it_policy_opens_its_towns_page_screens_and_none_of_another_towns(it_policy, towns, route):
    args = {
        "move": lambda page: [page.id],
        "move_confirm": lambda page: [page.id, page.get_parent().id],
    }.get(route, lambda page: [page.id])

    own = it_policy.get(reverse(f"wagtailadmin_pages:{route}", args=args(towns.a_module)))
    other = it_policy.get(reverse(f"wagtailadmin_pages:{route}", args=args(towns.b_module)))

    assert own.status_code == HTTPStatus.OK
    assert _refused(other)
    assert towns.b_module.title not in other.content.decode()


def test_it_policy_publishes_its_towns_page_and_not_another_towns(it_policy, towns):
    for module, title in ((towns.a_module, "改訂版A"), (towns.b_module, "改訂版B")):
        it_policy.post(
            reverse("wagtailadmin_pages:edit", args=[module.id]),
            edit_data(module, title, action="action-publish"),
        )

    assert Page.objects.get(pk=towns.a_module.pk).title == "改訂版A"
    assert Page.objects.get(pk=towns.b_module.pk).title == "となり町の単元"
    assert towns.b_module.get_latest_revision().as_object().title == "となり町の単元"


def test_it_policy_neither_deletes_nor_moves_another_towns_page(it_policy, towns):
    b_page, b_home = towns.b_module, Page.objects.get(pk=towns.b.site.root_page_id)

    deleted = it_policy.post(reverse("wagtailadmin_pages:delete", args=[b_page.id]))
    moved = it_policy.post(
        reverse("wagtailadmin_pages:move_confirm", args=[b_page.id, towns.a_track.id])
    )

    assert _refused(deleted)
    assert _refused(moved)
    assert Page.objects.get(pk=b_page.pk).path.startswith(b_home.path)


def test_it_policy_may_not_approve_another_towns_page_in_review(it_policy, towns):
    workflow_state = towns.b_module.get_workflow().start(towns.b_module, towns.b_hr)
    task_state = workflow_state.current_task_state

    url = reverse(
        "wagtailadmin_pages:workflow_action", args=[towns.b_module.id, "approve", task_state.id]
    )
    response = it_policy.post(url)

    assert _refused(response)
    task_state.refresh_from_db()
    assert task_state.status == task_state.STATUS_IN_PROGRESS


def test_the_workflow_cancellation_step_shows_no_other_towns_page(it_policy, towns):
    url = reverse("wagtailadmin_pages:confirm_workflow_cancellation", args=[towns.b_module.id])

    response = it_policy.get(url)

    assert _refused(response)


def test_the_page_chooser_lists_only_the_towns_pages(it_policy, towns):
    Page.objects.filter(pk=towns.b.site.root_page_id).update(title="となり町の学習")
    a_home = Page.objects.get(pk=towns.a_track.get_parent().pk)
    b_home = Page.objects.get(pk=towns.b.site.root_page_id)

    at_root = it_policy.get(reverse("wagtailadmin_choose_page")).json()["html"]
    own = it_policy.get(reverse("wagtailadmin_choose_page_child", args=[a_home.id]))
    other = it_policy.get(reverse("wagtailadmin_choose_page_child", args=[b_home.id]))

    assert a_home.title in at_root and b_home.title not in at_root
    assert towns.a_track.title in own.json()["html"]
    assert _refused(other)
    assert towns.b_track.title not in other.content.decode()


def test_another_towns_document_is_neither_listed_nor_choosable(it_policy, towns):
    own = _document(towns.a, "テスト町の資料X", towns.it_policy)
    other = _document(towns.b, "となり町の資料Y", towns.b_hr)

    library = it_policy.get(reverse("wagtaildocs:index")).content.decode()
    chooser = it_policy.get(reverse("wagtaildocs_chooser:choose")).json()["html"]
    chosen_own = it_policy.get(reverse("wagtaildocs_chooser:chosen", args=[own.pk]))
    chosen_other = it_policy.get(reverse("wagtaildocs_chooser:chosen", args=[other.pk]))

    assert own.title in library and other.title not in library
    assert own.title in chooser and other.title not in chooser
    assert chosen_own.status_code == HTTPStatus.OK
    assert _refused(chosen_other)


def test_an_author_uploads_only_into_the_towns_collection(it_policy, towns):
    a = Organization.objects.get(pk=towns.a.pk).collection
    b = Organization.objects.get(pk=towns.b.pk).collection
    for model in (get_document_model(), get_image_model()):
        policy = policy_registry.get_by_type(model)
        for action in ("add", "choose"):
            allowed = policy.collections_user_has_permission_for(towns.it_policy, action)
            assert list(allowed) == [a]
    form = it_policy.get(reverse("wagtaildocs:add")).content.decode()
    # One collection: Wagtail files the upload there without asking.
    assert it_policy.get(reverse("wagtaildocs:add")).status_code == HTTPStatus.OK
    assert b.name not in form


def test_modules_to_check_is_for_authors_not_hr(client, towns):
    client.force_login(towns.a_hr)

    assert _refused(client.get(reverse("stale_modules")))
    assert _refused(client.get(reverse("stale_modules_results")))


def test_another_towns_learning_page_is_not_found_on_the_towns_site(client, towns):
    client.force_login(towns.a_staff if hasattr(towns, "a_staff") else towns.a_hr)
    b_home = Page.objects.get(pk=towns.b.site.root_page_id)
    relative = towns.b_module.url_path[len(b_home.url_path) :]

    own = client.get(towns.a_module.url)
    on_a = client.get(f"/{relative}")
    full = client.get(towns.b_module.url_path)

    assert own.status_code == HTTPStatus.OK
    assert on_a.status_code == HTTPStatus.NOT_FOUND
    assert full.status_code == HTTPStatus.NOT_FOUND


def test_the_dashboard_lists_only_the_towns_pages_in_review(it_policy, towns):
    for module in (towns.a_module, towns.b_module):
        module.get_workflow().start(module, towns.b_hr)

    dashboard = it_policy.get(reverse("wagtailadmin_home")).content.decode()

    assert towns.a_module.title in dashboard
    assert towns.b_module.title not in dashboard


def test_another_towns_page_in_review_stays_closed_to_it_policy(it_policy, towns):
    towns.b_module.get_workflow().start(towns.b_module, towns.b_hr)

    for route in ("edit", "history", "revisions_compare", "usage", "workflow_history"):
        args = [towns.b_module.id]
        if route == "revisions_compare":
            args += ["earliest", "latest"]
        response = it_policy.get(reverse(f"wagtailadmin_pages:{route}", args=args))
        assert _refused(response), route
    own = it_policy.get(reverse("wagtailadmin_pages:edit", args=[towns.a_module.id]))
    assert own.status_code == HTTPStatus.OK


def test_a_document_of_another_town_is_not_served(client, towns, make_staff):
    """Signed in is not enough: town B's document is not found for town A's staff (found by
    the hostile review), and town B's own people still read it."""
    document = _document(towns.b, "b-only", towns.b_hr)
    url = reverse("wagtaildocs_serve", args=[document.id, document.filename])

    client.force_login(make_staff("mado"))
    refused = client.get(url)
    client.force_login(towns.b_hr)
    served = client.get(url)

    assert refused.status_code == 404
    assert served.status_code == 200
