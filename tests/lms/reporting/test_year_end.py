"""The fiscal-year close (年度末の締め) and the rollover of track assignments."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.factories import TrackAssignmentFactory
from lms.models import AuditEvent, FiscalYearClose, Organization, ReportRun, TrackAssignment
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request

YEAR_END = datetime.date(2026, 3, 31)  # of fiscal year 2025


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def hr(make_staff):
    return make_staff("jinji", roles=[Role.HR])


@pytest.fixture
def track(make_course):
    return make_course(modules=1)[0]


def _year_end_report(organization, as_of=YEAR_END):
    run = report_request(
        organization=organization, kind="hr_completion", as_of=as_of, trigger="command"
    ).run
    return report_build(run_id=run.pk)


def _close(client, fiscal_year, report):
    return client.post(
        reverse("lms:year_end_close", args=[fiscal_year]), {"report": report.pk}, follow=True
    )


def test_hr_confirms_closes_a_year_and_its_year_end_report_is_final(client, hr, organization):
    report = _year_end_report(organization)
    client.force_login(hr)

    confirm = client.get(reverse("lms:year_end_close", args=[2025]))
    closed = _close(client, 2025, report)

    assert "令和8年3月31日時点の集計" in confirm.content.decode()  # 和暦, the default
    assert "締めを取り消すこともできません" in confirm.content.decode()
    close = FiscalYearClose.objects.get()
    assert (close.organization, close.fiscal_year, close.report, close.closed_by) == (
        organization,
        2025,
        report,
        hr,
    )
    assert "令和7年度を締めました" in closed.content.decode()  # the town writes 和暦
    event = AuditEvent.objects.get(action=AuditEvent.Action.FISCAL_YEAR_CLOSED)
    assert (event.actor, event.detail["fiscal_year"], event.detail["report_id"]) == (
        hr,
        2025,
        report.pk,
    )
    refused = client.post(
        reverse("lms:report_rebuild", args=[report.pk]), {"reason": "other"}, follow=True
    )
    assert "令和7年度は締められています" in refused.content.decode()
    assert ReportRun.objects.count() == 1
    dashboard = client.get(reverse("lms:hr_dashboard")).content.decode()
    assert "さんが締めました" in dashboard and "年度の締めにより確定" in dashboard


def test_the_year_end_pages_write_years_and_dates_as_the_town_does(client, hr, organization):
    """和暦 (the default) or 西暦 (Organization.era_display): headings, links, the end of the
    year and the message after closing."""
    report = _year_end_report(organization)
    client.force_login(hr)

    page = client.get(reverse("lms:year_end", args=[2025])).content.decode()
    assert "年度末の締め（令和7年度）" in page
    assert "令和6年度" in page  # the link to the year before

    organization.era_display = Organization.EraDisplay.WESTERN
    organization.save(update_fields=["era_display"])
    page = client.get(reverse("lms:year_end", args=[2025])).content.decode()
    rollover = client.get(reverse("lms:year_end_rollover", args=[2025])).content.decode()
    closed = _close(client, 2025, report).content.decode()

    assert "年度末の締め（2025年度）" in page and "令和" not in page
    assert "割り当ての繰り越し（2025年度から2026年度へ）" in rollover and "令和" not in rollover
    assert "2025年度を締めました" in closed


def test_a_close_sent_twice_closes_the_year_once(client, hr, organization):
    report = _year_end_report(organization)
    client.force_login(hr)

    _close(client, 2025, report)
    again = _close(client, 2025, report)

    assert "令和7年度はすでに締められています" in again.content.decode()
    assert FiscalYearClose.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FISCAL_YEAR_CLOSED).count() == 1


@pytest.mark.parametrize(
    ("fiscal_year", "situation", "message"),
    [
        (2026, "ready", "年度が終わった（3月31日を過ぎた）あと"),
        (2025, "none", "受講状況レポートがまだありません"),
        (2025, "being rebuilt", "年度末のレポートを作成中です"),
        (2025, "rebuilt since", "確認したあとに年度末のレポートが作り直されました"),
    ],
)
def test_a_year_is_closed_only_once_it_has_ended_on_the_report_hr_checked(
    client, hr, organization, fiscal_year, situation, message
):
    from lms.audit import Actor
    from lms.reporting.runs import report_rebuild

    as_of = YEAR_END if fiscal_year == 2025 else datetime.date(2026, 11, 27)
    checked = _year_end_report(organization, as_of) if situation != "none" else None
    if situation in ("being rebuilt", "rebuilt since"):
        newer = report_rebuild(run_id=checked.pk, reason="other", actor=Actor(), publish=False)
        if situation == "rebuilt since":
            report_build(run_id=newer.run.pk)
    client.force_login(hr)

    response = client.post(
        reverse("lms:year_end_close", args=[fiscal_year]),
        {"report": checked.pk if checked else "0"},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    assert not FiscalYearClose.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FISCAL_YEAR_CLOSED).exists()


@pytest.mark.parametrize("who", ["staff", "head", "it_policy", "dx_leader"])
@pytest.mark.parametrize("name", ["lms:year_end", "lms:year_end_close", "lms:year_end_rollover"])
def test_the_year_end_screens_are_for_hr_only(client, make_staff, organization, track, who, name):
    roles = {
        "staff": [],
        "head": [Role.DEPT_HEAD],
        "it_policy": [Role.IT_POLICY],
        "dx_leader": [Role.DX_LEADER],
    }
    report = _year_end_report(organization)
    TrackAssignmentFactory(organization=organization, track=track, fiscal_year=2025)
    client.force_login(make_staff("jumin", "kacho", roles=roles[who]))

    page = client.get(reverse(name, args=[2025]))
    sent = client.post(reverse(name, args=[2025]), {"report": report.pk, "plan": "x"})

    assert (page.status_code, sent.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    assert not FiscalYearClose.objects.exists()
    assert TrackAssignment.objects.count() == 1


@pytest.mark.parametrize("path", ["2027/", "1999/", "12345/", "2025x/"])
def test_a_year_not_yet_begun_or_not_a_year_is_not_found(client, hr, path):
    client.force_login(hr)

    assert client.get(reverse("lms:year_end_index") + path).status_code == HTTPStatus.NOT_FOUND


def test_the_year_end_page_starts_at_the_last_year_that_ended(client, hr, organization):
    client.force_login(hr)

    response = client.get(reverse("lms:year_end_index"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("lms:year_end", args=[2025])
    assert "令和8年3月31日時点の受講状況レポートはまだありません" in response.content.decode()


def _hr_elsewhere():
    """HR of another town, with two-factor authentication set up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from lms.factories import DepartmentFactory, MembershipFactory, UserFactory

    person = UserFactory()
    MembershipFactory(user=person, department=DepartmentFactory(code="JINJI"))
    person.groups.add(Group.objects.get_or_create(name=Role.HR)[0])
    TOTP.activate(person, generate_totp_secret())
    return person


def test_hr_of_another_town_closes_and_rolls_over_only_their_own_town(client, organization, track):
    report = _year_end_report(organization)
    TrackAssignmentFactory(organization=organization, track=track, fiscal_year=2025)
    client.force_login(_hr_elsewhere())

    closing = client.post(reverse("lms:year_end_close", args=[2025]), {"report": report.pk})
    preview = client.get(reverse("lms:year_end_rollover", args=[2025]))

    assert closing.status_code == HTTPStatus.BAD_REQUEST  # their town has no year-end report
    assert not FiscalYearClose.objects.exists()
    assert preview.context["plan"].items == []
    assert TrackAssignment.objects.filter(fiscal_year=2026).count() == 0


@pytest.fixture
def assignments(organization, departments, positions, make_course):
    """Fiscal year 2026's assignments: everyone, a department, a department and a position."""
    tracks = [make_course(modules=1)[0] for _ in range(3)]
    everyone = TrackAssignmentFactory(
        organization=organization,
        track=tracks[0],
        fiscal_year=2026,
        due_date=datetime.date(2026, 9, 30),
        applies_to_all=True,
    )
    department = TrackAssignmentFactory(
        organization=organization,
        track=tracks[1],
        fiscal_year=2026,
        due_date=datetime.date(2027, 3, 31),
    )
    department.departments.set([departments["jumin"]])
    both = TrackAssignmentFactory(
        organization=organization,
        track=tracks[2],
        fiscal_year=2026,
        due_date=datetime.date(2026, 4, 1),
    )
    both.departments.set([departments["somu"], departments["mado"]])
    both.positions.set([positions["kacho"]])
    return [everyone, department, both]


def _written(assignment) -> tuple:
    return (
        assignment.track_id,
        assignment.due_date,
        assignment.applies_to_all,
        sorted(d.pk for d in assignment.departments.all()),
        sorted(p.pk for p in assignment.positions.all()),
    )


def _roll_over(client, fiscal_year):
    preview = client.get(reverse("lms:year_end_rollover", args=[fiscal_year]))
    applied = client.post(
        reverse("lms:year_end_rollover", args=[fiscal_year]),
        {"plan": preview.context["plan"].digest},
        follow=True,
    )
    return preview, applied


def test_the_rollover_preview_is_exactly_what_is_applied(client, hr, organization, assignments):
    client.force_login(hr)

    preview, applied = _roll_over(client, 2026)

    shown = [
        (
            item.source.track_id,
            item.due_date,
            item.source.applies_to_all,
            sorted(d.pk for d in item.departments),
            sorted(p.pk for p in item.positions),
        )
        for item in preview.context["plan"].to_copy
    ]
    made = TrackAssignment.objects.filter(fiscal_year=2027).order_by("due_date", "pk")
    assert len(shown) == 3 and [_written(a) for a in made] == shown
    assert [a.due_date for a in made] == [
        datetime.date(2027, 4, 1),
        datetime.date(2027, 9, 30),
        datetime.date(2028, 3, 31),
    ]
    assert {a.rolled_over_from for a in made} == set(assignments)
    assert "3 件の割り当てを令和9年度へ繰り越しました" in applied.content.decode()
    assert "繰り越しません" not in preview.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ASSIGNMENTS_ROLLED_OVER)
    assert (event.actor, event.detail["created"], event.detail["to_fiscal_year"]) == (hr, 3, 2027)


def test_rolling_over_twice_creates_nothing_new(client, hr, organization, assignments):
    client.force_login(hr)
    _roll_over(client, 2026)

    preview, again = _roll_over(client, 2026)

    assert TrackAssignment.objects.filter(fiscal_year=2027).count() == 3
    assert {i.outcome for i in preview.context["plan"].items} == {"rolled_over"}
    assert "繰り越すものはありません" in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ASSIGNMENTS_ROLLED_OVER).count() == 1


def test_a_rollover_posted_twice_from_one_preview_creates_one_set(
    client, hr, organization, assignments
):
    client.force_login(hr)
    preview = client.get(reverse("lms:year_end_rollover", args=[2026]))
    url = reverse("lms:year_end_rollover", args=[2026])

    client.post(url, {"plan": preview.context["plan"].digest})
    second = client.post(url, {"plan": preview.context["plan"].digest}, follow=True)

    assert TrackAssignment.objects.filter(fiscal_year=2027).count() == 3
    assert "すでに繰り越し済みです" in second.content.decode()


def test_the_rollover_leaves_alone_what_next_year_already_has(
    client, hr, organization, departments, assignments
):
    present = TrackAssignmentFactory(
        organization=organization,
        track=assignments[1].track,
        fiscal_year=2027,
        due_date=datetime.date(2027, 6, 30),
    )
    present.departments.set([departments["jumin"]])
    client.force_login(hr)

    preview, _applied = _roll_over(client, 2026)

    outcomes = {i.source.pk: i.outcome for i in preview.context["plan"].items}
    assert outcomes[assignments[1].pk] == "present"
    assert "翌年度に同じ対象へのこのトラックの割り当てがあります" in preview.content.decode()
    assert TrackAssignment.objects.filter(fiscal_year=2027, track=present.track).get() == present
    assert TrackAssignment.objects.filter(fiscal_year=2027).count() == 3


def test_a_rollover_whose_assignments_changed_after_the_preview_writes_nothing(
    client, hr, organization, assignments, track
):
    client.force_login(hr)
    preview = client.get(reverse("lms:year_end_rollover", args=[2026]))
    TrackAssignmentFactory(
        organization=organization, track=track, fiscal_year=2026, applies_to_all=True
    )

    response = client.post(
        reverse("lms:year_end_rollover", args=[2026]), {"plan": preview.context["plan"].digest}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "確認したあとに割り当てが変わりました" in response.content.decode()
    assert len(response.context["plan"].to_copy) == 4  # the new preview, to check again
    assert not TrackAssignment.objects.filter(fiscal_year=2027).exists()


def test_29_february_rolls_over_to_28_february(client, hr, organization, track):
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        fiscal_year=2023,
        due_date=datetime.date(2024, 2, 29),
    )
    client.force_login(hr)

    preview, _applied = _roll_over(client, 2023)

    shown = preview.content.decode()
    assert "令和6年2月29日" in shown and "令和7年2月28日" in shown
    assert TrackAssignment.objects.get(fiscal_year=2024).due_date == datetime.date(2025, 2, 28)


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


def test_the_year_end_pages_run_a_fixed_number_of_queries(
    client, hr, organization, departments, positions, assignments, make_course
):
    _year_end_report(organization)
    client.force_login(hr)
    urls = [
        reverse(name, args=[year])
        for year in (2025, 2026)
        for name in ("lms:year_end", "lms:year_end_close", "lms:year_end_rollover")
    ]
    small = [_queries(client, url) for url in urls]
    for index in range(12):
        more = TrackAssignmentFactory(
            organization=organization,
            track=make_course(modules=1)[0],
            fiscal_year=2026,
            due_date=datetime.date(2026, 10, 1 + index),
        )
        more.departments.set([departments["mado"], departments["jumin"]])
        more.positions.set(positions.values())

    assert [_queries(client, url) for url in urls] == small
