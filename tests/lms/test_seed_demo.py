from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import ModuleCompletion, ModulePage, TrackPage
from lms.demo.seed import DEMO_ACCOUNTS
from lms.models import Membership, TrackAssignment, User
from lms.people.roles import Role


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (User, Membership, TrackAssignment, TrackPage, ModulePage, ModuleCompletion)
    }


def test_seed_demo_is_idempotent(seeded):
    before = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == before


def test_demo_town_has_the_plans_curriculum_and_staff(seeded):
    assert ModulePage.objects.live().count() >= 20
    assert set(TrackPage.objects.values_list("title", flat=True)) >= {
        "全職員向け DX 基礎",
        "管理職向け DX マネジメント",
        "DX推進リーダー育成",
        "窓口担当向け",
    }
    assert User.objects.count() >= 40
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert ModuleCompletion.objects.exists()


def test_every_demo_account_can_sign_in_with_the_printed_password(seeded):
    for account in DEMO_ACCOUNTS:
        assert account.password in seeded
        client = Client()
        response = client.post(
            reverse("account_login"),
            {"login": account.staff_number, "password": account.password},
        )
        assert response.status_code == 302, account.staff_number
        assert (
            User.objects.get(staff_number=account.staff_number)
            .groups.filter(name=account.role)
            .exists()
        )


def test_demo_pages_render_for_the_staff_account(seeded):
    client = Client()
    client.force_login(User.objects.get(staff_number="1001"))

    assert client.get(reverse("lms:mypage")).status_code == 200
    for module in ModulePage.objects.live()[:5]:
        assert client.get(module.url).status_code == 200
