import datetime
import smtplib
from http import HTTPStatus
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from lms.factories import TrackAssignmentFactory
from lms.leaders.candidates import leader_criteria_for
from lms.models import (
    AuditEvent,
    LeaderCriteria,
    LeaderNomination,
    OutgoingMail,
    ReminderLog,
    ReportRun,
)
from lms.people.roles import Role
from lms.reporting.reminders import reminders_send
from lms.reporting.runs import report_build, report_request, report_sweep
from lms.reporting.tasks import build_report


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")))


@pytest.fixture
def roles(make_staff, make_course, organization):
    track, _, modules = make_course(modules=2)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    return {
        "staff": make_staff("mado"),
        "jumin_head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "somu_head": make_staff("somu", "kacho", roles=[Role.DEPT_HEAD]),
        "hr": make_staff("jinji", roles=[Role.HR]),
        "it_policy": make_staff("somu", roles=[Role.IT_POLICY]),
        "dx_leader": make_staff("mado", roles=[Role.DX_LEADER]),
    }


def built(organization, kind):
    run = report_request(
        organization=organization, kind=kind, as_of=datetime.date(2026, 11, 28), trigger="command"
    ).run
    return report_build(run_id=run.pk)


ALLOWED = {
    "lms:hr_dashboard": {"hr"},
    "lms:it_dashboard": {"it_policy"},
    "lms:leader_criteria": {"it_policy"},
}


@pytest.mark.parametrize("url_name", ALLOWED)
@pytest.mark.parametrize("who", ["staff", "somu_head", "hr", "it_policy", "dx_leader"])
def test_dashboards_open_only_for_their_roles(client, roles, url_name, who):
    client.force_login(roles[who])

    response = client.get(reverse(url_name))

    if who in ALLOWED[url_name]:
        assert response.status_code == HTTPStatus.OK
    elif who == "somu_head" and url_name == "lms:hr_dashboard":
        assert response.status_code == HTTPStatus.FOUND  # to their own department
    else:
        assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    ("who", "department", "allowed"),
    [
        ("jumin_head", "jumin", True),
        ("jumin_head", "mado", True),
        ("jumin_head", "somu", False),
        ("somu_head", "mado", False),
        ("hr", "mado", True),
        ("it_policy", "mado", False),
        ("staff", "mado", False),
        ("dx_leader", "mado", False),
    ],
)
def test_department_view_for_its_head_and_hr_only(
    client, roles, departments, who, department, allowed
):
    client.force_login(roles[who])

    response = client.get(reverse("lms:department_dashboard", args=[departments[department].id]))

    assert response.status_code == (HTTPStatus.OK if allowed else HTTPStatus.NOT_FOUND)
    if allowed:
        assert roles["staff"].get_full_name() in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [("hr_completion", {"hr"}), ("dx_candidates", {"it_policy"})],
)
@pytest.mark.parametrize("who", ["staff", "jumin_head", "hr", "it_policy", "dx_leader"])
def test_report_downloads_are_checked_and_audited(client, roles, organization, kind, allowed, who):
    run = built(organization, kind)
    client.force_login(roles[who])

    response = client.get(reverse("lms:report_download", args=[run.pk, "xlsx"]))

    if who in allowed:
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        event = AuditEvent.objects.get(action=AuditEvent.Action.REPORT_DOWNLOADED)
        assert (event.actor, event.detail["report_id"]) == (roles[who], run.pk)
    else:
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.REPORT_DOWNLOADED).exists()


def test_cp932_csv_download(client, roles, organization):
    run = built(organization, "hr_completion")
    client.force_login(roles["hr"])

    response = client.get(reverse("lms:report_download", args=[run.pk, "csv"]) + "?encoding=cp932")

    body = b"".join(response.streaming_content).decode("cp932")
    assert body.startswith("職員番号,氏名")


def test_hr_dashboard_shows_the_latest_report_and_requests_once(client, roles, organization):
    built(organization, "hr_completion")
    client.force_login(roles["hr"])

    html = client.get(reverse("lms:hr_dashboard")).content.decode()
    response = client.post(reverse("lms:report_request"), {"kind": "hr_completion"}, follow=True)

    assert "<svg" in html and "住民課" in html
    assert ReportRun.objects.count() == 1
    assert "作成済み" in response.content.decode()


def test_requesting_with_a_dead_broker_answers_at_once_and_the_sweeper_recovers(
    client, roles, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []

    def broker_down(*args, **kwargs):
        calls.append(args)
        raise OperationalError("Connection refused")

    monkeypatch.setattr(build_report, "apply_async", broker_down)
    client.force_login(roles["hr"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("lms:report_request"), {"kind": "hr_completion"})

    assert response.status_code == HTTPStatus.FOUND
    run = ReportRun.objects.get()
    assert run.status == ReportRun.Status.QUEUED and run.waiting_for_queue
    assert "実行待ち" in client.get(reverse("lms:hr_dashboard")).content.decode()
    monkeypatch.undo()
    ReportRun.objects.filter(pk=run.pk).update(
        created_at=run.created_at - datetime.timedelta(hours=1)
    )
    published = []
    monkeypatch.setattr(build_report, "apply_async", lambda *a, **k: published.append(a))
    assert report_sweep() == 1 and len(published) == 1


def test_asking_again_while_a_report_is_being_built_gives_one_job_and_says_so(
    client, roles, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(build_report, "apply_async", lambda *a, **k: published.append(a))
    client.force_login(roles["hr"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("lms:report_request"), {"kind": "hr_completion"})
    ReportRun.objects.update(status=ReportRun.Status.BUILDING)  # a worker is on it

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("lms:report_request"), {"kind": "hr_completion"}, follow=True)

    assert ReportRun.objects.count() == 1 and len(published) == 1
    assert "このレポートは作成中です" in again.content.decode()


def test_staff_cannot_request_reports(client, roles):
    client.force_login(roles["staff"])

    response = client.post(reverse("lms:report_request"), {"kind": "hr_completion"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ReportRun.objects.exists()


def test_department_head_endorses_only_own_members(client, roles, departments):
    client.force_login(roles["jumin_head"])
    own = reverse("lms:endorse", args=[departments["jumin"].id, roles["staff"].id])
    other = reverse("lms:endorse", args=[departments["somu"].id, roles["hr"].id])

    assert client.post(own, {"endorse": "1"}).status_code == HTTPStatus.FOUND
    assert client.post(other, {"endorse": "1"}).status_code == HTTPStatus.NOT_FOUND
    assert list(LeaderNomination.objects.values_list("user_id", "kind")) == [
        (roles["staff"].id, "endorsement")
    ]


def test_staff_volunteer_and_withdraw(client, roles):
    client.force_login(roles["staff"])

    client.post(reverse("lms:volunteer"), {"volunteer": "1"})
    assert LeaderNomination.objects.filter(user=roles["staff"], kind="self").exists()
    client.post(reverse("lms:volunteer"), {"volunteer": "0"})
    assert not LeaderNomination.objects.exists()


def test_it_policy_edits_the_criteria(client, roles, organization):
    client.force_login(roles["it_policy"])

    response = client.post(
        reverse("lms:leader_criteria"),
        {
            "minimum_caution": "3",
            "minimum_data": "",
            "weight_level": "2",
            "weight_self_nomination": "3",
            "weight_endorsement": "5",
            "weight_authored": "1",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    assert LeaderCriteria.objects.get(organization=organization).minimum_levels == {"caution": 3}


def test_reminders_go_once_a_week(roles, eager_jobs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # sent once each town commits
        first = reminders_send()
        again = reminders_send()  # the job run again the same week

    overdue = {roles[k].email for k in roles}
    assert first >= len(overdue) and again == 0
    assert OutgoingMail.objects.count() == first == len(mail.outbox)  # no duplicates
    recipients = {address for message in mail.outbox for address in message.to}
    assert overdue <= recipients
    head_mail = next(
        m for m in mail.outbox if m.to == [roles["jumin_head"].email] and "所属" in m.subject
    )
    assert roles["staff"].get_full_name() in head_mail.body
    assert ReminderLog.objects.filter(week="2026-W48").count() == len(overdue)
    assert not ReminderLog.objects.filter(sent_at__isnull=True).exists()
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_reminder_is_recorded_as_sent_only_once_the_mail_server_accepted_it(
    roles, flaky_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = reminders_send()  # published to the (in-memory) queue, not sent yet

    assert queued == OutgoingMail.objects.filter(status="queued").count() > 0
    assert not mail.outbox
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 0
    staff_log = ReminderLog.objects.get(user=roles["staff"], week="2026-W48")
    assert staff_log.mail.kind == "reminder" and staff_log.mail.address == roles["staff"].email
    assert staff_log.mail.dedupe_key == f"reminder:{roles['staff'].pk}:2026-W48"
    assert reminders_send() == 0  # re-run the same week: nothing more queued

    from lms.outbox import outgoing_mail_send

    flaky_server.refusals = 1
    with pytest.raises(smtplib.SMTPException):
        outgoing_mail_send(mail_id=staff_log.mail_id)
    staff_log.refresh_from_db()
    assert staff_log.sent_at is None and staff_log.mail.attempts == 1
    assert outgoing_mail_send(mail_id=staff_log.mail_id) == "sent"
    staff_log.refresh_from_db()
    assert staff_log.sent_at == staff_log.mail.sent_at is not None


def test_reminders_in_a_transaction_that_rolls_back_queue_and_send_nothing(
    roles, eager_jobs, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            assert reminders_send() > 0
            raise RuntimeError("rolled back")

    assert not callbacks and not mail.outbox
    assert not OutgoingMail.objects.exists() and not ReminderLog.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() > 0  # the week is not used up by the rolled-back run
    assert mail.outbox


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


def test_it_dashboard_lists_what_changed_since_the_previous_candidate_report(
    client, roles, organization
):
    run = report_request(
        organization=organization,
        kind="dx_candidates",
        as_of=datetime.date(2026, 11, 27),
        trigger="command",
    ).run
    report_build(run_id=run.pk)
    criteria = leader_criteria_for(organization)
    criteria.minimum_levels = {**criteria.minimum_levels, "caution": 3}
    criteria.weight_endorsement = 8
    criteria.save()
    built(organization, "dx_candidates")
    client.force_login(roles["it_policy"])

    html = client.get(reverse("lms:it_dashboard")).content.decode()

    assert "令和8年11月27日 時点のレポートからの変化" in html
    assert '<th scope="row">必要なレベル：How（留意点）</th><td>2 中級</td><td>3 上級</td>' in html
    assert "<td>5</td><td>8</td>" in html


def test_dashboards_run_a_fixed_number_of_queries(
    client, roles, organization, departments, make_staff
):
    built(organization, "hr_completion")
    built(organization, "dx_candidates")
    urls = {
        "hr": reverse("lms:hr_dashboard"),
        "it_policy": reverse("lms:it_dashboard"),
        "jumin_head": reverse("lms:department_dashboard", args=[departments["jumin"].id]),
    }
    small = {}
    for who, url in urls.items():
        client.force_login(roles[who])
        small[who] = _queries(client, url)
    for index in range(8):
        make_staff("mado" if index % 2 else "jumin")
    ReportRun.objects.all().delete()
    built(organization, "hr_completion")
    built(organization, "dx_candidates")

    for who, url in urls.items():
        client.force_login(roles[who])
        assert _queries(client, url) == small[who], who


def test_generate_report_command_prints_the_file(roles):
    out = StringIO()

    call_command("generate_report", "hr_completion", "--as-of", "2026-11-28", stdout=out)

    assert ".xlsx" in out.getvalue()
    assert ReportRun.objects.get().status == ReportRun.Status.DELIVERED


def test_celery_is_configured_for_reliable_jobs():
    task = celery_app.tasks["lms.build_report"]
    schedule = celery_app.conf.beat_schedule

    assert task.acks_late and task.reject_on_worker_lost
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.timezone == "Asia/Tokyo"
    assert {entry["task"] for entry in schedule.values()} >= {
        "lms.schedule_report",
        "lms.send_reminders",
        "lms.sweep_reports",
    }


def test_a_head_never_sees_a_department_of_another_town(client, roles, departments):
    from lms.factories import DepartmentFactory, MembershipFactory, UserFactory

    elsewhere = DepartmentFactory(code="SOMU")  # same code, another town
    outsider = UserFactory()
    MembershipFactory(user=outsider, department=elsewhere)
    client.force_login(roles["somu_head"])

    assert client.get(reverse("lms:department_dashboard", args=[elsewhere.id])).status_code == 404
    endorse = reverse("lms:endorse", args=[elsewhere.id, outsider.id])
    assert client.post(endorse, {"endorse": "1"}).status_code == 404
    assert not LeaderNomination.objects.exists()


def test_two_beat_processes_over_three_days_make_one_report_a_day(roles, time_machine):
    from lms.reporting.tasks import schedule_report

    for day in (28, 29, 30):
        time_machine.move_to(datetime.datetime(2026, 11, day, 2, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
        schedule_report.run("hr_completion")  # beat one
        schedule_report.run("hr_completion")  # beat two, the same minute

    assert sorted(ReportRun.objects.values_list("as_of", flat=True)) == [
        datetime.date(2026, 11, 28),
        datetime.date(2026, 11, 29),
        datetime.date(2026, 11, 30),
    ]


def test_long_department_and_overdue_lists_are_shown_a_page_at_a_time(client, roles, organization):
    run = built(organization, "hr_completion")
    summary = run.summary
    department = summary["departments"][0]
    summary["departments"] = [{**department, "name": f"課{i:02d}"} for i in range(45)]
    summary["overdue_people"] = [
        # Names no factory gives (the header shows the signed-in 「試験 職員391」).
        {**p, "name": f"遅延者{i:02d}"}
        for i, p in enumerate([summary["overdue_people"][0]] * 50)
    ]
    ReportRun.objects.filter(pk=run.pk).update(summary=summary)
    client.force_login(roles["hr"])

    first = client.get(reverse("lms:hr_dashboard")).content.decode()
    second = client.get(reverse("lms:hr_dashboard") + "?page=2").content.decode()
    overdue = client.get(reverse("lms:hr_dashboard") + "?overdue_page=2").content.decode()

    assert "課39" in first and "課40" not in first and "2 ページ中 1 ページ目" in first
    assert "課40" in second and "課44" in second and "課00" not in second
    assert "遅延者40" in overdue and "遅延者39" not in overdue


def test_the_it_dashboard_shows_the_best_five_of_each_department(
    client, roles, organization, make_staff
):
    from assessments.models import SkillArea, SkillResult

    people = [make_staff("mado") for _ in range(7)]
    for index, person in enumerate(people):
        for code in ("caution", "data"):
            SkillResult.objects.create(
                user=person,
                area=SkillArea.objects.get(code=code),
                level=2 + index % 3,
                evidence=[],
                assessed_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
            )
    run = built(organization, "dx_candidates")
    client.force_login(roles["it_policy"])

    shown = client.get(reverse("lms:it_dashboard")).context["candidates"]

    assert run.summary["candidate_count"] == 7 == run.row_count == run.candidates.count()
    assert [c.rank for c in shown] == [1, 2, 3, 4, 5]
    assert [c.score for c in shown] == sorted((c.score for c in shown), reverse=True)


def test_the_criteria_page_shows_the_defaults_and_saves_only_when_sent(client, roles, organization):
    from lms.models import LeaderCriteria

    client.force_login(roles["it_policy"])

    page = client.get(reverse("lms:leader_criteria"))

    assert page.context["form"].instance.minimum_levels == {"caution": 2, "data": 2}
    assert not LeaderCriteria.objects.exists()  # opening a page writes nothing
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["weight_endorsement"] = 8
    response = client.post(reverse("lms:leader_criteria"), data)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    assert LeaderCriteria.objects.get(organization=organization).weight_endorsement == 8


# Versions, dates and years on the dashboards.


def test_the_dashboards_say_as_of_when_and_when_their_figures_were_made(
    client, roles, organization, departments
):
    built(organization, "hr_completion")
    built(organization, "dx_candidates")

    client.force_login(roles["hr"])
    hr = client.get(reverse("lms:hr_dashboard")).content.decode()
    department = client.get(reverse("lms:department_dashboard", args=[departments["mado"].id]))
    client.force_login(roles["it_policy"])
    it = client.get(reverse("lms:it_dashboard")).content.decode()

    # Japan time, not UTC; the town writes years in the Japanese era (its default).
    made = "令和8年11月28日時点の集計（11月28日 09:00 作成）"
    assert f"令和8年度・{made}" in hr and made in it
    assert "所属ごとの画面は現在のデータから計算しているため" in hr
    assert "この画面は現在のデータから計算しています" in department.content.decode()


def test_a_year_end_report_made_in_april_says_the_year_it_was_made(client, roles, organization):
    run = report_request(
        organization=organization,
        kind="hr_completion",
        as_of=datetime.date(2026, 3, 31),
        trigger="command",
    ).run
    report_build(run_id=run.pk)
    made = datetime.datetime(2026, 4, 2, 0, 30, tzinfo=datetime.UTC)  # 09:30 in Tokyo
    ReportRun.objects.filter(pk=run.pk).update(finished_at=made)
    client.force_login(roles["hr"])

    html = client.get(reverse("lms:report_rebuild", args=[run.pk])).content.decode()

    assert "令和8年3月31日時点の集計（4月2日 09:30 作成）" in html
    ReportRun.objects.filter(pk=run.pk).update(finished_at=made.replace(year=2027))
    html = client.get(reverse("lms:report_rebuild", args=[run.pk])).content.decode()
    assert "令和8年3月31日時点の集計（2027年4月2日 09:30 作成）" in html


def _post_rebuild(client, run, capture, **data):
    """Ask for a new version of ``run`` as the page does (the job runs after commit, in
    this process), then open the dashboard it leads to."""
    with capture(execute=True):
        sent = client.post(
            reverse("lms:report_rebuild", args=[run.pk]),
            {"reason": "data_corrected", "note": "", **data},
        )
    assert sent.status_code == HTTPStatus.FOUND
    return client.get(sent.url)


def test_hr_makes_todays_report_again_and_the_dashboard_reads_the_new_version(
    client, roles, organization, make_course, eager_jobs, django_capture_on_commit_callbacks
):
    from courses.services import module_complete

    first = built(organization, "hr_completion")
    client.force_login(roles["hr"])
    assert "作成済み" in client.post(
        reverse("lms:report_request"), {"kind": "hr_completion"}, follow=True
    ).content.decode("utf-8")
    _, _, modules = make_course(modules=1)
    module_complete(user=roles["staff"], module=modules[0])  # the live data moved on

    response = _post_rebuild(
        client, first, django_capture_on_commit_callbacks, note="受講記録を修正"
    )

    html = response.content.decode()
    assert "レポートの新しい版の作成を依頼しました" in html
    second = ReportRun.objects.get(version=2)
    first.refresh_from_db()
    assert response.context["run"] == second and first.superseded_at is not None
    assert "・第2版（作り直しの理由：データを修正した）" in html
    assert "新しい版に置き換え済み" in html and "データを修正した：受講記録を修正" in html


def test_a_rebuild_sent_twice_makes_one_new_version(
    client, roles, organization, eager_jobs, django_capture_on_commit_callbacks
):
    first = built(organization, "hr_completion")
    client.force_login(roles["hr"])

    _post_rebuild(client, first, django_capture_on_commit_callbacks)
    # A double click, or a second tab still showing version 1 (built meanwhile: no worker).
    again = _post_rebuild(client, first, django_capture_on_commit_callbacks)

    assert ReportRun.objects.count() == 2
    assert "このレポートはすでに作り直されています（第2版）" in again.content.decode()


def test_a_rebuild_needs_a_reason_and_says_so_in_japanese(client, roles, organization):
    run = built(organization, "hr_completion")
    client.force_login(roles["hr"])

    response = client.post(
        reverse("lms:report_rebuild", args=[run.pk]), {"reason": "because", "note": "x" * 201}
    )

    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "レポートは作り直していません" in html and "正しく選択してください" in html
    assert "200 文字以下" in html
    assert ReportRun.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [("hr_completion", {"hr"}), ("dx_candidates", {"it_policy"})],
)
@pytest.mark.parametrize("who", ["staff", "jumin_head", "hr", "it_policy", "dx_leader"])
def test_only_the_reports_own_role_may_make_it_again(
    client, roles, organization, kind, allowed, who
):
    run = built(organization, kind)
    client.force_login(roles[who])

    page = client.get(reverse("lms:report_rebuild", args=[run.pk]))
    sent = client.post(reverse("lms:report_rebuild", args=[run.pk]), {"reason": "other"})

    expected = HTTPStatus.OK if who in allowed else HTTPStatus.NOT_FOUND
    assert page.status_code == expected
    assert sent.status_code == (HTTPStatus.FOUND if who in allowed else HTTPStatus.NOT_FOUND)
    assert ReportRun.objects.count() == (2 if who in allowed else 1)


def _hr_elsewhere():
    """HR of another town (its own departments), with two-factor authentication set up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from lms.factories import DepartmentFactory, MembershipFactory, UserFactory

    person = UserFactory()
    MembershipFactory(user=person, department=DepartmentFactory(code="JINJI"))
    person.groups.add(Group.objects.get_or_create(name=Role.HR)[0])
    TOTP.activate(person, generate_totp_secret())
    return person


def test_hr_of_another_town_cannot_make_a_report_again(client, organization, roles):
    run = built(organization, "hr_completion")
    client.force_login(_hr_elsewhere())

    page = client.get(reverse("lms:report_rebuild", args=[run.pk]))
    sent = client.post(reverse("lms:report_rebuild", args=[run.pk]), {"reason": "other"})

    assert (page.status_code, sent.status_code) == (HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND)
    assert ReportRun.objects.count() == 1


def test_it_policy_is_told_the_criteria_changed_after_the_report(client, roles, organization):
    run = built(organization, "dx_candidates")
    client.force_login(roles["it_policy"])
    before = client.get(reverse("lms:it_dashboard"))
    criteria = leader_criteria_for(organization)
    criteria.weight_endorsement = 8
    criteria.save()

    after = client.get(reverse("lms:it_dashboard"))

    assert "選定基準が変更されています" not in before.content.decode()
    assert "このレポートの作成後に選定基準が変更されています" in after.content.decode()
    assert after.context["rebuild_form"]["reason"].value() == "criteria_changed"
    assert client.get(reverse("lms:report_rebuild", args=[run.pk])).context["form"][
        "reason"
    ].value() == ("criteria_changed")


@pytest.mark.parametrize(
    ("fiscal_year", "as_of", "made_as_of"),
    [
        ("2025", "2026-03-31", datetime.date(2026, 3, 31)),
        ("2025", "", datetime.date(2026, 3, 31)),  # empty: the end of that year
        ("2026", "", datetime.date(2026, 11, 28)),  # empty, this year: today
        ("2019", "2019-06-01", datetime.date(2019, 6, 1)),
    ],
)
def test_hr_asks_for_a_report_of_any_date_of_any_past_year(
    client, roles, fiscal_year, as_of, made_as_of
):
    client.force_login(roles["hr"])

    response = client.post(
        reverse("lms:report_request"),
        {"kind": "hr_completion", "fiscal_year": fiscal_year, "as_of": as_of},
    )

    assert response.status_code == HTTPStatus.FOUND
    run = ReportRun.objects.get()
    assert (run.as_of, run.fiscal_year) == (made_as_of, int(fiscal_year))


@pytest.mark.parametrize(
    ("fiscal_year", "as_of", "message"),
    [
        ("2025", "2026-04-01", "2025年度の日付（2025年4月1日〜2026年3月31日）"),
        ("2026", "2026-11-29", "未来の日付は指定できません"),
        ("2027", "", "まだ始まっていない年度は指定できません"),
        ("令和7", "", "2025 のように西暦の数字で"),
        ("1999", "1999-06-01", "2000 以上"),
        ("2025", "2026-02-30", "2026-03-31 のように入力"),
        ("", "2026-03-31", "必須"),
    ],
)
def test_a_date_outside_its_year_or_in_the_future_is_refused_on_the_form(
    client, roles, fiscal_year, as_of, message
):
    client.force_login(roles["it_policy"])

    response = client.post(
        reverse("lms:report_request"),
        {"kind": "dx_candidates", "fiscal_year": fiscal_year, "as_of": as_of},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "レポートの作成はまだ依頼していません" in html and message in html
    assert not ReportRun.objects.exists()


def test_asking_for_an_existing_past_report_says_so_and_builds_nothing(client, roles, organization):
    report_request(
        organization=organization,
        kind="hr_completion",
        as_of=datetime.date(2026, 3, 31),
        trigger="command",
    )
    ReportRun.objects.update(status=ReportRun.Status.DELIVERED)
    client.force_login(roles["hr"])

    response = client.post(
        reverse("lms:report_request"),
        {"kind": "hr_completion", "fiscal_year": "2025", "as_of": "2026-03-31"},
        follow=True,
    )

    assert "2026年3月31日時点のレポートは作成済みです" in response.content.decode()
    assert ReportRun.objects.count() == 1


def _year_end(organization, year: int, kind="hr_completion"):
    run = report_request(
        organization=organization,
        kind=kind,
        as_of=datetime.date(year + 1, 3, 31),
        trigger="command",
    ).run
    return report_build(run_id=run.pk)


def test_the_year_end_report_of_each_year_is_listed_apart_and_kept(client, roles, organization):
    from lms.audit import Actor
    from lms.reporting.runs import report_rebuild

    old = _year_end(organization, 2024)
    replaced = _year_end(organization, 2025)
    current = report_build(
        run_id=report_rebuild(
            run_id=replaced.pk, reason="other", actor=Actor(), publish=False
        ).run.pk
    )
    for day in range(1, 13):  # a dozen nightly reports since
        report_build(
            run_id=report_request(
                organization=organization,
                kind="hr_completion",
                as_of=datetime.date(2026, 11, day),
                trigger="schedule",
            ).run.pk
        )
    client.force_login(roles["hr"])

    response = client.get(reverse("lms:hr_dashboard"))

    assert [r.pk for r in response.context["year_end_reports"]] == [current.pk, old.pk]
    assert response.context["history"].paginator.count == 15
    assert old.pk not in [r.pk for r in response.context["history"]]  # off the first page
    assert old.pk in [
        r.pk for r in client.get(reverse("lms:hr_dashboard") + "?history_page=2").context["history"]
    ]
    assert "年度末の報告" in response.content.decode()


def test_report_lists_run_a_fixed_number_of_queries_however_long_the_history(
    client, roles, organization
):
    from lms.audit import Actor
    from lms.models import FiscalYearClose
    from lms.reporting.runs import report_rebuild

    urls = {
        "hr": [reverse("lms:hr_dashboard"), reverse("lms:hr_dashboard") + "?history_page=2"],
        "it_policy": [reverse("lms:it_dashboard"), reverse("lms:it_dashboard") + "?history_page=2"],
    }

    def counts():
        for kind in ("hr_completion", "dx_candidates"):
            built(organization, kind)
        found = {}
        for who, pages in urls.items():
            client.force_login(roles[who])
            found[who] = [_queries(client, url) for url in pages]
        return found

    small = counts()
    for year in range(2015, 2026):
        for kind in ("hr_completion", "dx_candidates"):
            year_end = _year_end(organization, year, kind)
            if year % 2:
                report_build(
                    run_id=report_rebuild(
                        run_id=year_end.pk, reason="other", actor=Actor(), publish=False
                    ).run.pk
                )
            elif kind == "hr_completion":
                FiscalYearClose.objects.create(
                    organization=organization, fiscal_year=year, report=year_end
                )

    assert counts() == small
