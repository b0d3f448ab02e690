import tempfile

from . import env
from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # A fresh folder per test run (worker processes started by tests get it passed in).
        "OPTIONS": {
            "location": env.text("SHINKA_PRIVATE_ROOT")
            or tempfile.mkdtemp(prefix="shinka-test-private-")
        },
    },
}
# Tests never run tasks eagerly by accident: with no broker configured they
# publish to an in-memory transport; integration tests use a real worker.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"  # noqa: F405

# Under pytest-xdist every worker process has its own test database (test_NAME_gw0, …);
# it gets its own Redis database for the broker too, so integration tests on two workers
# never take each other's messages. Worker processes a test starts inherit the marker and
# keep the URL they are given.
_XDIST_WORKER = env.text("PYTEST_XDIST_WORKER")  # "gw0", "gw1", …
if (
    _XDIST_WORKER
    and CELERY_BROKER_URL.startswith("redis://")
    and not env.text("SHINKA_BROKER_PER_WORKER")
):
    import os
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(CELERY_BROKER_URL)
    _base = int(_url.path.strip("/") or 0)
    _db = (_base - int(_XDIST_WORKER.removeprefix("gw"))) % 16
    CELERY_BROKER_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    os.environ["SHINKA_BROKER_PER_WORKER"] = CELERY_BROKER_URL
