"""One primary post (本務) per person and day: the model, the database, the admin, the roster."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import translation

from lms.admin import MembershipInline
from lms.factories import (
    DepartmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PositionFactory,
    UserFactory,
)
from lms.models import Membership, User
from lms.models.organisation import primary_posts_check_now
from lms.people.roster import roster_apply, roster_plan
from tests.lms.people.roster.test_import import BY_SCREEN

D = datetime.date
APRIL = D(2026, 4, 1)


@pytest.fixture
def person(departments, positions):
    user = UserFactory()
    MembershipFactory(
        user=user, department=departments["jinji"], position=positions["shuji"], valid_from=APRIL
    )
    return user


def _post(user, departments, positions, valid_from, valid_to=None, is_primary=True):
    return Membership(
        user=user,
        department=departments["mado"],
        position=positions["shuji"],
        is_primary=is_primary,
        valid_from=valid_from,
        valid_to=valid_to,
    )


# (first day, last day, primary?) of a second post, beside a 本務 held from 1 April 2026 on.
@pytest.mark.parametrize(
    ("valid_from", "valid_to", "is_primary", "refused"),
    [
        (D(2026, 10, 1), None, True, True),  # both until further notice
        (D(2027, 1, 1), D(2027, 3, 31), True, True),  # inside the open post
        (D(2025, 4, 1), D(2026, 4, 1), True, True),  # shares one day: 1 April
        (D(2025, 4, 1), D(2026, 3, 31), True, False),  # ends the day before: a transfer
        (D(2026, 10, 1), None, False, False),  # a concurrent post (兼務)
        (D(2025, 4, 1), None, False, False),
    ],
)
def test_clean_refuses_a_second_primary_post_on_the_same_days(
    person, departments, positions, valid_from, valid_to, is_primary, refused
):
    post = _post(person, departments, positions, valid_from, valid_to, is_primary)

    if refused:
        with pytest.raises(ValidationError) as error:
            post.full_clean()
        assert [e.code for e in error.value.error_dict[NON_FIELD_ERRORS]] == ["one_primary_post"]
    else:
        post.full_clean()


def test_the_refusal_names_the_other_post_in_japanese(person, departments, positions):
    post = _post(person, departments, positions, D(2026, 10, 1))

    with translation.override("ja"), pytest.raises(ValidationError) as error:
        post.full_clean()
    with translation.override("ja"):
        message = error.value.messages[0]

    assert message == (
        "この職員には、この期間と重なる本務がすでにあります（人事係、2026年4月1日から）。"
        "先にその本務を終了するか、兼務として登録する場合は「本務」のチェックを外してください。"
    )


def test_a_primary_post_does_not_clash_with_itself_or_with_closed_posts(
    person, departments, positions
):
    own = Membership.objects.get(user=person)
    own.valid_to = D(2027, 3, 31)
    own.full_clean()  # editing the post itself
    own.save()

    _post(person, departments, positions, D(2027, 4, 1)).full_clean()  # the next one


def test_other_peoples_primary_posts_do_not_count(person, departments, positions):
    _post(UserFactory(), departments, positions, APRIL).full_clean()


def _requires_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite has no exclusion constraints: there Membership.clean() and the roster "
            "import keep the rule (migration 0020 is a no-op)"
        )


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(D(2026, 10, 1), None), (D(2025, 4, 1), D(2026, 4, 1)), (APRIL, APRIL)],
)
def test_postgresql_refuses_an_overlapping_primary_post(
    person, departments, positions, valid_from, valid_to
):
    _requires_postgresql()
    post = _post(person, departments, positions, valid_from, valid_to)

    with pytest.raises(IntegrityError, match="membership_one_primary_post_a_day"):
        with transaction.atomic():
            post.save()  # bypassing clean(): the database itself refuses
            primary_posts_check_now()  # deferred to commit (0025); the test never commits


def test_postgresql_accepts_transfers_and_concurrent_posts(person, departments, positions):
    _requires_postgresql()
    _post(person, departments, positions, D(2025, 4, 1), D(2026, 3, 31)).save()
    _post(person, departments, positions, APRIL, is_primary=False).save()

    assert Membership.objects.filter(user=person).count() == 3


@pytest.fixture
def inline_formset(db):
    """The membership rows of the admin's user page, as the admin builds them."""
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/")
    request.user = superuser

    def build(user, rows):
        formset_class = MembershipInline(User, admin.site).get_formset(request, user)
        prefix = formset_class.get_default_prefix()
        existing = list(Membership.objects.filter(user=user).order_by("id"))
        data = {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(len(existing)),
        }
        for index, row in enumerate(rows):
            for name, value in row.items():
                if value is not None and value is not False:
                    data[f"{prefix}-{index}-{name}"] = value
            data[f"{prefix}-{index}-user"] = str(user.pk)
        return formset_class(data, instance=user, prefix=prefix)

    return build


def _row(membership=None, *, department, position, valid_from, valid_to=None, primary=True):
    return {
        "id": str(membership.pk) if membership else "",
        "department": str(department.pk),
        "position": str(position.pk),
        "is_primary": "on" if primary else None,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else "",
    }


def test_the_admin_accepts_a_transfer_made_in_one_save(
    inline_formset, person, departments, positions
):
    old = Membership.objects.get(user=person)
    formset = inline_formset(
        person,
        [
            _row(
                old,
                department=departments["jinji"],
                position=positions["shuji"],
                valid_from=APRIL,
                valid_to=D(2026, 9, 30),
            ),
            _row(
                department=departments["mado"],
                position=positions["shuji"],
                valid_from=D(2026, 10, 1),
            ),
        ],
    )

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    formset.save()
    assert Membership.objects.filter(user=person, is_primary=True).count() == 2


def test_the_admin_refuses_two_primary_posts_on_the_same_days(
    inline_formset, person, departments, positions
):
    old = Membership.objects.get(user=person)
    formset = inline_formset(
        person,
        [
            _row(
                old, department=departments["jinji"], position=positions["shuji"], valid_from=APRIL
            ),
            _row(
                department=departments["mado"],
                position=positions["shuji"],
                valid_from=D(2026, 10, 1),
            ),
        ],
    )

    assert not formset.is_valid()
    assert [error.code for error in formset.non_form_errors().as_data()] == ["one_primary_post"]


def test_the_admin_accepts_a_concurrent_post_beside_the_primary_one(
    inline_formset, person, departments, positions
):
    old = Membership.objects.get(user=person)
    formset = inline_formset(
        person,
        [
            _row(
                old, department=departments["jinji"], position=positions["shuji"], valid_from=APRIL
            ),
            _row(
                department=departments["mado"],
                position=positions["shuji"],
                valid_from=APRIL,
                primary=False,
            ),
        ],
    )

    assert formset.is_valid(), (formset.errors, formset.non_form_errors())


def test_another_towns_roster_with_the_same_number_leaves_the_persons_posts_alone(
    person, organization, departments, positions
):
    """Towns keep their own rosters (issue 14): another town's import with this person's
    staff number is that town's own person, so it neither ends this town's 本務 nor gives
    this person a post there (before, it moved them to the other town)."""
    other_town = OrganizationFactory(code="OTHER", name="となり町")
    DepartmentFactory(organization=other_town, code="KAIKEI", name="会計課")
    PositionFactory(organization=other_town, code="SHUJI", name="主事")  # positions are per town
    as_of = D(2026, 10, 1)
    data = (
        "職員番号,氏名,氏名カナ,所属,職位,メールアドレス,兼務所属\r\n"
        f"{person.staff_number},{person.family_name},,会計課,主事,namesake@other.example.jp,\r\n"
    ).encode("utf-8-sig")
    plan = roster_plan(organization=other_town, data=data, filename="r.csv", as_of=as_of)
    assert plan.ok, [str(e) for e in plan.errors]

    roster_apply(organization=other_town, plan=plan, as_of=as_of, **BY_SCREEN)

    posts = {
        (m.department.code, m.is_primary, m.valid_from, m.valid_to)
        for m in Membership.objects.filter(user=person)
    }
    assert posts == {("JINJI", True, APRIL, None)}
    namesake = User.objects.get(organization=other_town, staff_number=person.staff_number)
    assert {m.department.code for m in Membership.objects.filter(user=namesake)} == {"KAIKEI"}


def test_a_post_in_another_town_than_the_persons_is_refused(person, positions):
    other_town = OrganizationFactory(code="OTHER", name="となり町")
    kaikei = DepartmentFactory(organization=other_town, code="KAIKEI", name="会計課")
    post = Membership(
        user=person, department=kaikei, position=positions["shuji"], valid_from=D(2026, 10, 1)
    )

    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        post.full_clean()

    assert "職員名簿" in " ".join(refused.value.message_dict["department"])
