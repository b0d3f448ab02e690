"""Twenty members of staff completing modules at the same moment, on a SQLite file.

SQLite is the default database (``make run``). Its default transaction mode
takes the write lock late, so concurrent writers fail with "database is
locked" instead of waiting; the settings use WAL, ``BEGIN IMMEDIATE`` and a
busy timeout (config/settings/env.py). The test suite's own SQLite database
lives in memory, shared by one connection, so this runs in a subprocess on a
real file with the real settings and twenty threads, each with its own
connection, going through the completion service.
"""

import json
import os
import subprocess
import sys

from config.settings.paths import BASE_DIR

WRITERS, MODULES = 20, 5

SCRIPT = """
import json, sys, threading
import django

django.setup()
from django.core.management import call_command
from django.db import connection
from wagtail.models import Page

from courses.models import CourseCompletion, CoursePage, LearningHomePage, ModuleCompletion
from courses.models import ModulePage, TrackPage
from courses.services import module_complete
from lms.models import User

writers, modules_per_course = int(sys.argv[1]), int(sys.argv[2])
call_command("migrate", verbosity=0)
home = Page.get_first_root_node().add_child(instance=LearningHomePage(title="研修", slug="l"))
track = home.add_child(instance=TrackPage(title="基礎", slug="t"))
course = track.add_child(instance=CoursePage(title="入門", slug="c"))
modules = [
    course.add_child(instance=ModulePage(title=f"第{i}回", slug=f"m{i}"))
    for i in range(modules_per_course)
]
users = [
    User.objects.create_user(f"{9000 + i}", f"w{i}@example.jp", family_name="並行")
    for i in range(writers)
]
connection.close()  # each thread opens its own connection
start, errors = threading.Barrier(writers), []


def write(user):
    try:
        start.wait()
        for module in modules:
            module_complete(user=user, module=module)
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()


threads = [threading.Thread(target=write, args=(user,)) for user in users]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
print(json.dumps({
    "errors": errors,
    "journal_mode": journal_mode,
    "module_completions": ModuleCompletion.objects.count(),
    "course_completions": CourseCompletion.objects.count(),
}))
"""


def test_twenty_concurrent_writers_never_meet_database_is_locked(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shinka.sqlite3'}",
    }

    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(WRITERS), str(MODULES)],
        env=environment,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["journal_mode"] == "wal"
    assert outcome["module_completions"] == WRITERS * MODULES
    assert outcome["course_completions"] == WRITERS
