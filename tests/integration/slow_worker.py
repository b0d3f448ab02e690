"""The real Celery app for fault tests, run in a separate worker process.

Report building is slowed down (SHINKA_SLOW_BUILD_SECONDS) so that a test can
kill the worker in the middle of a build. Nothing else differs from production.
"""

import os
import time

import django

django.setup()

import lms.reporting.runs  # noqa: E402
from config.celery import app  # noqa: E402

_build_files = lms.reporting.runs.build_files


def _slow_build_files(run, **kwargs):
    time.sleep(float(os.environ.get("SHINKA_SLOW_BUILD_SECONDS", "0")))
    return _build_files(run, **kwargs)


lms.reporting.runs.build_files = _slow_build_files

# Redeliver a dead worker's message after seconds, not the production hour.
app.conf.broker_transport_options = {"visibility_timeout": 3, "unacked_restore_interval": 1}

__all__ = ["app"]
