"""Benchmarks (bench/): production-like behaviour, no secrets, jobs in-process.

DEBUG stays off so Django keeps no query log (it would grow with the data and
skew memory and time); the bench counts queries with its own context manager.
"""

import tempfile

from . import env
from .base import *  # noqa: F403

SECRET_KEY = "bench-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.text("SHINKA_PRIVATE_ROOT")
            or tempfile.mkdtemp(prefix="shinka-bench-private-")
        },
    },
}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
