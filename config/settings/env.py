"""The one module that reads the process environment.

Settings modules import the values from here; nothing else in the project
calls ``os.environ``.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .paths import BASE_DIR


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def required(name: str) -> str:
    value = text(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


def boolean(name: str, default: bool = False) -> bool:
    value = text(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def integer(name: str, default: int) -> int:
    value = text(name)
    return int(value) if value else default


def listing(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in text(name, default).split(",") if item.strip()]


def database(default_sqlite_name: str = "db.sqlite3") -> dict:
    url = text("DATABASE_URL")
    if not url:
        url = f"sqlite:///{BASE_DIR / default_sqlite_name}"
    config = dj_database_url.parse(url, conn_max_age=integer("DATABASE_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # Concurrent writers on SQLite otherwise fail with "database is locked"
        # without WAL, BEGIN IMMEDIATE and a busy timeout.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


def json_document(name: str):
    """A JSON document from ``NAME`` (the JSON itself) or ``NAME_FILE`` (a file holding it,
    for secrets mounted as files); None when neither is set."""
    import json

    path = text(f"{name}_FILE")
    raw = open(path, encoding="utf-8").read() if path else text(name)  # noqa: SIM115
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from error
