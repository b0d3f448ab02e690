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
