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
