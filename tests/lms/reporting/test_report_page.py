"""A report's page reads in Japanese for HR: states and history in words, who asked for
it, times in Japan time saying so; the file's SHA-256 only for administrators."""

import datetime
import re

import pytest
from django.urls import reverse

from lms.models import ReportRun
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request
from tests.lms.towns import AS_OF

# The nightly build: 02:00 on 29 November in Japan is 17:00 on 28 November in UTC.
NIGHT = datetime.datetime(2026, 11, 28, 17, 0, tzinfo=datetime.UTC)
ENGLISH_STATES = re.compile(
    r"\b(queued|building|ready|delivered|failed|recipients?|rows|schedule|command|"
    r"rebuild|retry|publish|abandoned|UTC)\b",
    re.I,
)
HEX_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def _main(response) -> str:
    """The page's own content, as text (no tags, no addresses)."""
    html = response.content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]))


@pytest.fixture
def nightly(town, organization, make_staff, time_machine):
    """Last night's HR report, delivered to the town's two HR officers."""
    time_machine.move_to(NIGHT, tick=False)
    hr = [make_staff("jinji", roles=[Role.HR], email=f"hr{n}@example.jp") for n in (1, 2)]
    run = report_request(
        organization=organization, kind="hr_completion", as_of=AS_OF, trigger="schedule"
    ).run
    run = report_build(run_id=run.pk)
    run.refresh_from_db()
    return run, hr


def test_hr_reads_the_report_page_in_japanese_in_japan_time(client, nightly):
    run, hr = nightly
    client.force_login(hr[0])

    text = _main(client.get(reverse("lms:report_detail", args=[run.pk])))

    assert run.status == ReportRun.Status.DELIVERED
    assert "配信済み（2 名）" in text  # the two HR officers of the town
    assert "受付済み（依頼者：夜間の自動作成）" in text
    assert "作成中" in text and f"完成（{run.row_count} 行）" in text
    assert "依頼者 夜間の自動作成" in text  # the particulars say who asked, too
    assert "管理コマンド" not in text
    # Every step happened at 02:00 on 29 November in Japan (17:00 on the 28th in UTC).
    assert text.count("2026年11月29日 02:00（日本時間）") == len(run.history) + 1  # + 作成日時
    assert "17:00" not in text and "2026-11-28T" not in text
    assert "令和8年度（2026年度）" in text
    assert not ENGLISH_STATES.search(text), ENGLISH_STATES.search(text)
    assert not HEX_HASH.search(
        client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()
    )
    assert "SHA-256" not in text


def test_an_administrator_finds_the_hash_in_the_details_for_them(client, nightly, make_staff):
    run, _ = nightly
    client.force_login(make_staff("somu", roles=[Role.ADMIN]))

    html = client.get(reverse("lms:report_detail", args=[run.pk])).content.decode()

    assert len(run.sha256) == 64
    details = html.split("<details>", 1)[1].split("</details>", 1)[0]
    assert "管理者向け" in details and run.sha256 in details


def test_every_step_of_a_troubled_history_is_in_words(client, organization, make_staff):
    """Steps written by retries, the sweeper, a dead job queue and a rebuild: nothing of
    the stored English log reaches HR."""
    hr = make_staff("jinji", roles=[Role.HR], family_name="鈴木", given_name="恵子")
    at = "2026-11-28T17:00:00+00:00"
    run = ReportRun.objects.create(
        organization=organization,
        kind="hr_completion",
        fiscal_year=2026,
        as_of=AS_OF,
        version=2,
        trigger="dashboard",
        requested_by=hr,
        rebuild_reason="data_corrected",
        status="failed",
        failure="unavailable",
        history=[
            {"status": "queued", "at": at, "note": "rebuild of version 1: data_corrected"},
            {"status": "queued", "at": at, "note": "publish failed"},
            {"status": "building", "at": at, "note": ""},
            {"status": "queued", "at": at, "note": "retry 1"},
            {"status": "queued", "at": at, "note": "redelivered after a lost worker"},
            {"status": "queued", "at": at, "note": "abandoned build"},
            {"status": "failed", "at": at, "note": "unavailable"},
            {"status": "queued", "at": at, "note": "rebuild asked again after failure: other"},
            {"status": "queued", "at": at, "note": "requested again after failure"},
            {"status": "queued", "at": at, "note": "something an older version wrote"},
        ],
    )
    client.force_login(hr)

    text = _main(client.get(reverse("lms:report_detail", args=[run.pk])))

    assert "第1版の作り直し、理由：データを修正した、依頼者：鈴木 恵子" in text
    assert "ジョブキューに接続できないため待機中" in text
    assert "一時的なエラーのため再試行、1 回目" in text
    assert "作成が途中で止まったため、作成し直し" in text
    assert "作成が途中で止まったため、受け付け直し" in text
    assert "作り直しに失敗したため再依頼、理由：その他" in text
    assert "失敗したため再依頼" in text
    assert "データベース" in text  # the reason for the failure, in words
    assert text.count("2026年11月29日 02:00（日本時間）") == len(run.history)
    assert not ENGLISH_STATES.search(text), ENGLISH_STATES.search(text)
    assert "older version" not in text
