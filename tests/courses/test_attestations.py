"""Attestation (確認・同意, issue 19): a module completed by ticking 「内容を確認し、遵守します」,
stored with the time and the revision; a major revision asks everyone again, history kept."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courses.attestations import modules_with_attestation_counts
from courses.models import ModuleAttestation, ModuleCompletion, ModulePage
from courses.services import CompletionError, module_attest, module_complete
from lms.factories import UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def policy(make_course):
    """情報セキュリティポリシー: a module that asks for attestation, before a plain one."""
    _, course, (policy, after) = make_course(modules=2)
    policy.requires_attestation = True
    policy.save_revision().publish()
    policy.refresh_from_db()
    return policy


def major_revision(module):
    """An editor ticks 「全員に再確認を求める」 and publishes (through the page's form)."""
    form_class = ModulePage.get_edit_handler().get_form_class()
    page = module.get_latest_revision_as_object()
    form = form_class(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "estimated_minutes": page.estimated_minutes,
            "body-count": "0",
            "requires_attestation": "on",
            "attestation_renew": "on",
        },
        instance=page,
        parent_page=module.get_parent(),
        for_user=None,
    )
    assert "attestation_renew" not in form.errors
    form.is_valid()
    page = form.save(commit=False)
    page.save_revision().publish()
    module.refresh_from_db()
    return module


def test_the_module_is_completed_only_by_attesting(policy, learner):
    with pytest.raises(CompletionError, match="内容を確認し、遵守します"):
        module_complete(user=learner, module=policy)
    assert not ModuleCompletion.objects.exists()

    at = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=TOKYO)
    result = module_attest(user=learner, module=policy, at=at)

    assert result.created and result.completion.created
    row = ModuleAttestation.objects.get(user=learner, module=policy)
    assert row.attested_at == at
    assert row.version == 1
    assert row.revision_id == policy.live_revision_id is not None
    assert ModuleCompletion.objects.filter(user=learner, module=policy).exists()


def test_attesting_twice_keeps_the_first_row(policy, learner):
    first = module_attest(user=learner, module=policy)
    second = module_attest(user=learner, module=policy)

    assert second.created is False
    assert second.attestation.pk == first.attestation.pk
    assert ModuleAttestation.objects.count() == 1


def test_a_major_revision_asks_everyone_again_and_keeps_the_history(policy, learner):
    other = UserFactory()
    module_attest(user=learner, module=policy)
    module_attest(user=other, module=policy)
    first_revision = policy.live_revision_id

    major_revision(policy)

    assert policy.attestation_version == 2
    counts = modules_with_attestation_counts(ModulePage.objects.filter(pk=policy.pk)).get()
    assert (counts.attested_current, counts.attested_total) == (0, 2)

    module_attest(user=learner, module=policy)

    rows = list(
        ModuleAttestation.objects.filter(user=learner)
        .order_by("version")
        .values_list("version", "revision_id")
    )
    assert rows == [(1, first_revision), (2, policy.live_revision_id)]
    assert first_revision != policy.live_revision_id
    counts = modules_with_attestation_counts(ModulePage.objects.filter(pk=policy.pk)).get()
    # The oracle, from the rows: distinct people with the current version; every row.
    assert (
        counts.attested_current
        == ModuleAttestation.objects.filter(module=policy, version=policy.attestation_version)
        .values("user")
        .distinct()
        .count()
        == 1
    )
    assert counts.attested_total == ModuleAttestation.objects.filter(module=policy).count() == 3


def test_a_revision_without_the_tick_keeps_the_version(policy, learner):
    policy.title = "情報セキュリティポリシー（誤字修正）"
    policy.save_revision().publish()
    policy.refresh_from_db()

    assert policy.attestation_version == 1


def test_the_module_page_asks_then_shows_when_and_asks_again_after_a_major_revision(
    policy, learner, signed_in
):
    url = reverse("courses:module_attest", args=[policy.id])
    html = signed_in.get(policy.url).content.decode()
    assert url in html and "内容を確認し、遵守します" in html
    assert reverse("courses:module_complete", args=[policy.id]) not in html

    signed_in.post(url, {"agree": "on"})
    html = signed_in.get(policy.url).content.decode()
    assert "確認・同意しました" in html
    assert url not in html

    major_revision(policy)
    html = signed_in.get(policy.url).content.decode()
    assert url in html and "改訂" in html


def test_an_unticked_post_records_nothing(policy, learner, signed_in):
    response = signed_in.post(reverse("courses:module_attest", args=[policy.id]), {}, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "チェック" in response.content.decode()
    assert not ModuleAttestation.objects.exists()
    assert not ModuleCompletion.objects.exists()


def test_a_module_without_attestation_refuses_one(make_course, learner, signed_in):
    _, _, (module, *_) = make_course(modules=1)

    signed_in.post(reverse("courses:module_attest", args=[module.id]), {"agree": "on"})

    assert not ModuleAttestation.objects.exists()


def test_attesting_is_refused_while_the_course_is_locked(make_course, policy, learner):
    track, basics, _ = make_course(modules=1)
    course = policy.get_parent().specific
    course.prerequisites.set([basics])
    course.save_revision().publish()

    with pytest.raises(CompletionError):
        module_attest(user=learner, module=policy)
    assert not ModuleAttestation.objects.exists()


def test_the_counts_report_is_for_authors_and_hr(policy, make_staff, client):
    staff = make_staff()
    client.force_login(staff)
    assert client.get(reverse("module_attestations")).status_code != HTTPStatus.OK

    hr = make_staff(department="jinji", roles=["hr"])
    client.force_login(hr)
    response = client.get(reverse("module_attestations"))
    assert response.status_code == HTTPStatus.OK
