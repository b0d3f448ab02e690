from http import HTTPStatus

from django.db.utils import OperationalError


def test_healthz_reports_database_and_broker(client, db, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "not configured (tasks run in the web process)"


class DownDatabase:
    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    monkeypatch.setattr("lms.health.connection", DownDatabase())

    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["database"].startswith("error")


def test_healthz_reports_an_unreachable_broker(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["broker"].startswith("error")


def test_healthz_counts_mail_that_could_not_be_sent_or_waits_too_long(
    client, organization, time_machine
):
    import datetime

    from lms.models import OutgoingMail

    time_machine.move_to(datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC))
    for status in ("failed", "queued", "sent"):
        OutgoingMail.objects.create(
            organization=organization,
            address="someone@example.jp",
            kind="reminder",
            subject="s",
            body="b",
            status=status,
            sent_at=datetime.datetime.now(datetime.UTC) if status == "sent" else None,
        )
    assert client.get("/healthz").json()["mail"] == {"failed": 1, "waiting_too_long": 0}

    time_machine.move_to(datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC))
    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["mail"] == {"failed": 1, "waiting_too_long": 1}
    assert "someone@example.jp" not in response.content.decode()
