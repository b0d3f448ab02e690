"""/healthz for load balancers and monitoring."""

from http import HTTPStatus

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.outbox import outgoing_mail_health


@require_GET
@never_cache
def healthz(request):
    """Liveness for load balancers and monitoring: 503 when the database is unreachable."""
    status = {"database": "ok", "broker": _broker_status()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "database down"
        status["database"] = f"error: {error.__class__.__name__}"
    healthy = status["database"] == "ok"
    if healthy:
        status["mail"] = outgoing_mail_health()  # counts only: no town, no address
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE)


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured (tasks run in the web process)"
    try:
        with current_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # noqa: BLE001 - report any broker failure
        return f"error: {error.__class__.__name__}"
    return "ok"
