"""Wagtail's snippet bulk actions (/admin/bulk/assessments/<model>/<action>/?id=…) with
ids the editor may not author: another track's question, bank and quiz, and IT policy's
skill-check question, whose text is secret from those who take it. The confirmation page
names none of them."""

import pytest
from django.urls import reverse


def _bulk(client, model, action, ids):
    url = reverse("wagtail_bulk_action", args=["assessments", model, action])
    return client.get(url, {"id": [str(i) for i in ids]})


def _names_none(response, *texts):
    body = response.content.decode()
    return response.status_code in (302, 403, 404) or not any(text in body for text in texts)


@pytest.mark.parametrize("action", ["delete"])
@pytest.mark.parametrize(
    ("model", "name", "text"),
    [
        ("question", "question_b", "Bの問題"),
        ("question", "secret", "スキル診断の問題"),
        ("questionbank", "bank_b", "Bの問題集"),
        ("quiz", "quiz_b", "Bの確認テスト"),
        ("quiz", "skill_check", "年度初めの診断テスト"),
    ],
)
def test_a_bulk_action_names_nothing_the_leader_may_not_author(
    client, authoring, action, model, name, text
):
    client.force_login(authoring.leader)

    response = _bulk(client, model, action, [getattr(authoring, name).pk])

    assert _names_none(response, text)
    assert type(getattr(authoring, name)).objects.filter(pk=getattr(authoring, name).pk).exists()


@pytest.mark.parametrize("name", ["question_b", "secret", "quiz_b", "bank_b"])
def test_a_bulk_delete_leaves_what_the_leader_may_not_author(client, authoring, name):
    item = getattr(authoring, name)
    client.force_login(authoring.leader)
    url = reverse(
        "wagtail_bulk_action", args=["assessments", type(item)._meta.model_name, "delete"]
    )

    client.post(f"{url}?id={item.pk}")

    assert type(item).objects.filter(pk=item.pk).exists()
