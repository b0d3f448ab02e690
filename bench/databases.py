"""One database per size, named after the base URL (``shinka_bench`` → ``shinka_bench_city``).

The bench switches the default connection between them in one process, the
way Django's test runner points it at a test database: close it, change
``NAME``, and the next query reconnects.
"""

import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from lms.models import Organization

from .generate import Generated, Size, generate, organization_name


def url_for(base_url: str, size: Size) -> str:
    parts = urlsplit(base_url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path.removeprefix("/"))
        return f"sqlite:///{path.with_name(f'{path.stem}_{size.name}{path.suffix}')}"
    name = parts.path.strip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{size.name}"))


def name_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return parts.path.removeprefix("/")
    return parts.path.strip("/")


def use(url: str) -> None:
    """Point the default connection at ``url``'s database (same engine as the settings)."""
    connection.close()
    connection.settings_dict["NAME"] = name_of(url)
    # Content type ids are cached per connection alias; each database has its own.
    ContentType.objects.clear_cache()


def _recreate(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(name_of(url))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        name = name_of(url)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _built(url: str, expected_name: str) -> bool:
    try:
        use(url)
        return Organization.objects.filter(name=expected_name).exists()
    except Exception:  # noqa: BLE001 - a missing database or table means "not built"
        return False


def prepare(
    url: str, *, size: Size, seed: int, as_of: datetime.date, rebuild: bool = False
) -> Generated | None:
    """Make sure ``url`` holds exactly the generated organisation; build it when not.

    Returns what was generated, or None when the database was already built.
    """
    expected = organization_name(size, seed, as_of)
    if not rebuild and _built(url, expected):
        # Reused: bring its schema up to date (migrations may have come since the build).
        call_command("migrate", verbosity=0, interactive=False)
        return None
    connection.close()
    _recreate(url)
    use(url)
    call_command("migrate", verbosity=0, interactive=False)
    generated = generate(size=size, seed=seed, as_of=as_of)
    # Fresh statistics, as autovacuum would gather soon after a bulk load: without them
    # the planner takes million-row tables for empty ones.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return generated
