"""プロフィール: staff write about their DX interests; the roster owns everything else."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from lms.people.roles import Role

URL = reverse("lms:profile")


@pytest.fixture
def staff(client, make_staff):
    person = make_staff("mado", staff_number="1001", email="mado@example.jp")
    client.force_login(person)
    return person


def test_staff_see_their_roster_data_and_security_links(
    client, staff, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        page = client.get(URL)

    text = page.content.decode()
    assert page.status_code == HTTPStatus.OK and "no-store" in page["Cache-Control"]
    assert "1001" in text and "mado@example.jp" in text and "窓口係" in text
    assert reverse("mfa_index") in text and reverse("account_change_password") in text
    assert 'aria-describedby="id_interests_helptext"' in text


def test_staff_write_their_interests_and_nothing_the_roster_owns(client, staff):
    response = client.post(
        URL,
        {
            "interests": "  Excel のマクロで集計を自動化しました。\r\n"
            "\x0bkintone に関心があります。\x1b  ",
            "staff_number": "9999",
            "email": "changed@example.jp",
            "family_name": "乗っ取り",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    staff.refresh_from_db()
    assert staff.interests == "Excel のマクロで集計を自動化しました。\nkintone に関心があります。"
    assert (staff.staff_number, staff.email) == ("1001", "mado@example.jp")
    assert staff.family_name != "乗っ取り"


@pytest.mark.parametrize(
    "text, message",
    [("あ" * 401, "400 文字以下"), ("途中に\x00が入った文", "ヌル文字（NUL）が含まれています")],
)
def test_bad_text_is_refused_with_a_message_tied_to_the_field_and_nothing_saved(
    client, staff, text, message
):
    staff.interests = "前の内容"
    staff.save()

    response = client.post(URL, {"interests": text})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert message in page and 'aria-invalid="true"' in page and "id_interests_error" in page
    staff.refresh_from_db()
    assert staff.interests == "前の内容"


def test_line_breaks_count_once_as_in_the_browser(client, staff):
    text = "\r\n".join(["あ" * 39] * 10)  # 390 characters and 9 line breaks: 399 in the box

    response = client.post(URL, {"interests": text})

    assert response.status_code == HTTPStatus.FOUND
    staff.refresh_from_db()
    assert len(staff.interests) == 399


def test_the_people_allowed_to_see_a_person_read_their_interests(client, make_staff, staff):
    staff.interests = "RPAで申請受付を自動化したい"
    staff.save()
    head = make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD])
    hr = make_staff("jinji", roles=[Role.HR])
    it_policy = make_staff("somu", roles=[Role.IT_POLICY])
    colleague = make_staff("mado")
    other_head = make_staff("somu", "kacho", roles=[Role.DEPT_HEAD])

    def page(name):
        return client.get(reverse(name, args=[staff.pk]))

    for reader, name in ((head, "lms:person_progress"), (hr, "lms:person_progress"),
                         (it_policy, "lms:person_skills")):  # fmt: skip
        client.force_login(reader)
        assert "RPAで申請受付" in page(name).content.decode()
    for outsider in (colleague, other_head):
        client.force_login(outsider)
        for name in ("lms:person_progress", "lms:person_skills"):
            assert page(name).status_code == HTTPStatus.NOT_FOUND


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
