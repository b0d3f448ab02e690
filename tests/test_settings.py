import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_japanese_first():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.CELERY_TIMEZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True


def test_closed_network_settings():
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None


def _start_production(**environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **environment)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in PRODUCTION_ENVIRONMENT.items() if k != "DJANGO_SECRET_KEY"}
    result = _start_production(**environment)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PRODUCTION_ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "lms.example.jp",
    "DATABASE_URL": "sqlite:///x",
    "WAGTAILADMIN_BASE_URL": "https://lms.example.jp",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
}


def test_production_starts_with_its_environment():
    result = _start_production(**PRODUCTION_ENVIRONMENT)

    assert result.returncode == 0, result.stderr


def test_demo_accounts_are_never_loaded_in_production():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PRODUCTION_ENVIRONMENT, DJANGO_SETTINGS_MODULE="config.settings.production")
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "seed_demo" not in result.stdout and "demo-admin" not in result.stdout


def test_the_towns_video_servers_are_the_only_other_media_sources():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SHINKA_VIDEO_ORIGINS="https://video.town.example.jp/, https://Media.Town.example.jp",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings as s; print(s.SHINKA_CONTENT_SECURITY_POLICY)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert (
        "media-src 'self' blob: https://video.town.example.jp https://media.town.example.jp;"
        in result.stdout
    )
    assert "media-src 'self' blob:;" in settings.SHINKA_CONTENT_SECURITY_POLICY
