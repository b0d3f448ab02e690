"""Hostile review: one primary post a day, on PostgreSQL (the exclusion constraint, 0020)."""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from lms.factories import MembershipFactory


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")


def test_a_transfer_to_a_concurrent_post_saves_on_the_django_admin_user_screen(
    postgres, admin_client, make_staff, departments, positions
):
    """End the 本務 and make the 兼務 (starting the next day) the 本務, in one save.

    The formset accepts it (no two 本務 share a day after the save), but the inline saves
    rows in the model's order (-valid_from): the later post becomes 本務 while the earlier
    one is still open, and the exclusion constraint refuses the intermediate state.
    """
    person = make_staff("mado", position="shuji", email="ido@example.jp")
    home = person.memberships.get()
    home.valid_from = datetime.date(2020, 4, 1)
    home.save()
    second = MembershipFactory(
        user=person,
        department=departments["jinji"],
        position=positions["kacho"],
        is_primary=False,
        valid_from=datetime.date(2027, 4, 1),
    )
    rows = [  # the inline lists the newest post first
        (second, {"is_primary": "on", "valid_from": "2027-04-01", "valid_to": ""}),
        (home, {"valid_from": "2020-04-01", "valid_to": "2027-03-31", "is_primary": "on"}),
    ]
    data = {
        "staff_number": person.staff_number,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "email": person.email,
        "is_active": "on",
        "date_joined_0": person.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
    }
    for i, (post, fields) in enumerate(rows):
        data.update(
            {
                f"memberships-{i}-id": post.pk,
                f"memberships-{i}-user": person.pk,
                f"memberships-{i}-department": post.department_id,
                f"memberships-{i}-position": post.position_id,
                **{f"memberships-{i}-{k}": v for k, v in fields.items()},
            }
        )
    admin_client.raise_request_exception = False

    response = admin_client.post(reverse("admin:lms_user_change", args=[person.pk]), data)

    assert response.status_code == HTTPStatus.FOUND, response.status_code
    assert "/change/" not in response["Location"], response["Location"]
    second.refresh_from_db()
    home.refresh_from_db()
    assert second.is_primary and home.valid_to == datetime.date(2027, 3, 31)
