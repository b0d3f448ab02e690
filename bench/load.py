"""A short load run: staff open modules, complete them and take quizzes against gunicorn.

A small threaded client (``requests``), not a load-testing framework: each
virtual user (200 by default) signs in through allauth once, then loops until the
time is up. ``/healthz`` is requested throughout the same run, as the baseline for
latency: staff p95 ÷ ``/healthz`` p95 is the figure. gunicorn runs with the
deployment's own settings (``config/gunicorn.py``) on a free local port. The client's
own CPU time is recorded, so a run can show the client was not the bottleneck (a
thread waits on its socket almost all the time; the server's processes use the cores).
"""

import os
import random
import re
import resource
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import requests

from courses.blocks import quiz_ids_in
from courses.models import ModulePage
from lms.models import Organization, User
from lms.people.roles import Role

from . import databases
from .generate import PASSWORD

CHOICE = re.compile(r'name="(q\d+)"[^>]*value="(\d+)"')
TIMEOUT = 30
# Seconds a simulated person waits between two requests (uniform): far quicker than
# anyone reads a module or answers five questions, so 200 of them still keep the server
# busy, but not the zero-pause loop of a stress test, where "200 users" only sets the
# queue's length.
THINK_SECONDS = (2.0, 6.0)


@dataclass
class Recorder:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Why each error happened ("HTTP 500", "ReadTimeout"), so a failed run says what failed.
    reasons: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, ok: bool, reason: str = "") -> None:
        with self.lock:
            self.samples[name].append(seconds)
            if not ok:
                self.errors[name] += 1
                self.reasons[name][reason] += 1

    def summary(self, seconds: float) -> dict:
        result = {}
        for name, times in sorted(self.samples.items()):
            ordered = sorted(times)
            result[name] = {
                "count": len(ordered),
                "per_second": round(len(ordered) / seconds, 1),
                "p50_ms": _percentile_ms(ordered, 0.50),
                "p95_ms": _percentile_ms(ordered, 0.95),
                "p99_ms": _percentile_ms(ordered, 0.99),
                "errors": self.errors.get(name, 0),
                "error_reasons": dict(self.reasons.get(name, {})),
            }
        return result


def _percentile_ms(ordered: list[float], q: float) -> float:
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


@dataclass(frozen=True)
class Module:
    id: int
    url: str
    quiz_id: int | None


class VirtualUser:
    """One signed-in member of staff with a session of their own."""

    def __init__(self, base: str, staff_number: str, recorder: Recorder, rng: random.Random):
        self.base, self.recorder, self.rng = base, recorder, rng
        self.session = requests.Session()
        self.staff_number = staff_number

    def _request(self, name, method, path, expected, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base + path, allow_redirects=False, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            self.recorder.record(
                name, time.perf_counter() - started, ok=False, reason=type(error).__name__
            )
            return None
        self.recorder.record(
            name,
            time.perf_counter() - started,
            response.status_code == expected,
            reason=f"HTTP {response.status_code} {response.headers.get('Location', '')}".strip(),
        )
        return response

    def _post(self, name, path, data=None):
        token = self.session.cookies.get("csrftoken", "")
        return self._request(
            name,
            "POST",
            path,
            HTTPStatus.FOUND,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            headers={"X-CSRFToken": token},
        )

    def sign_in(self) -> bool:
        self._request("login_page", "GET", "/accounts/login/", HTTPStatus.OK)
        response = self._post(
            "login", "/accounts/login/", {"login": self.staff_number, "password": PASSWORD}
        )
        return response is not None and response.status_code == HTTPStatus.FOUND

    def think(self) -> None:
        """A person between two clicks: reading, choosing an answer."""
        time.sleep(self.rng.uniform(*THINK_SECONDS))

    def study(self, module: Module, *, think: bool = False) -> None:
        pause = self.think if think else (lambda: None)
        self._request("module_page", "GET", module.url, HTTPStatus.OK)
        pause()
        if module.quiz_id is None:
            self._post("module_complete", f"/learn/modules/{module.id}/complete/")
            return
        started = self._post(
            "quiz_start", f"/learn/modules/{module.id}/quizzes/{module.quiz_id}/start/"
        )
        if started is None or started.status_code != HTTPStatus.FOUND:
            return
        take_url = started.headers["Location"]
        page = self._request("quiz_take", "GET", take_url, HTTPStatus.OK)
        if page is None or page.status_code != HTTPStatus.OK:
            return
        pause()
        choices = defaultdict(list)
        for name, value in CHOICE.findall(page.text):
            choices[name].append(value)
        answers = {name: self.rng.choice(values) for name, values in choices.items()}
        self._post("quiz_submit", take_url.rstrip("/") + "/submit/", answers)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    """A free local port in 20000–29999."""
    rng = random.Random()
    for _attempt in range(50):
        port = rng.randint(20000, 29999)
        if _free(port):
            return port
    raise RuntimeError("No free port in 20000–29999.")


@contextmanager
def gunicorn(*, url: str, port: int):
    if not _free(port):
        raise RuntimeError(f"Port {port} is in use.")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": url,
        "SHINKA_GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"shinka-bench-gunicorn-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.py"),
                "config.wsgi",
            ],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_healthy(base: str, process, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: see {log}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == HTTPStatus.OK:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer /healthz within a minute: see {log}")


def _plan(organization_name: str, users: int) -> tuple[list[str], list[Module]]:
    organization = Organization.objects.get(name=organization_name)
    staff = list(
        User.objects.filter(memberships__department__organization=organization, is_active=True)
        .exclude(groups__name__in=[Role.HR, Role.IT_POLICY, Role.DEPT_HEAD])
        .order_by("pk")
        .values_list("staff_number", flat=True)
        .distinct()[:users]
    )
    modules = [
        Module(page.id, page.url, (quiz_ids_in(page.body) or [None])[0])
        for page in ModulePage.objects.live().order_by("path")
    ]
    return staff, modules


def _gunicorn_settings() -> str:
    import runpy

    settings = runpy.run_path(
        str(Path(__file__).resolve().parent.parent / "config" / "gunicorn.py")
    )
    return f"{settings['workers']} × {settings['threads']} threads ({settings['worker_class']})"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_run(
    *, url: str, users: int, seconds: int, organization_name: str, port: int | None = None
) -> dict:
    databases.use(url)
    staff, modules = _plan(organization_name, users)
    recorder, sign_ins = Recorder(), Recorder()
    port = port or free_port()
    with gunicorn(url=url, port=port) as base:
        people = [
            VirtualUser(base, number, sign_ins, random.Random(index))
            for index, number in enumerate(staff)
        ]
        # Before the clock starts: one password hash each, a few at a time.
        with ThreadPoolExecutor(max_workers=8) as pool:
            signed = list(pool.map(VirtualUser.sign_in, people))
        for person, ok in zip(people, signed, strict=True):
            if not ok:
                raise RuntimeError(f"{person.staff_number} could not sign in")
            person.recorder = recorder
        deadline = time.monotonic() + seconds
        stop = threading.Event()

        def study(person: VirtualUser) -> None:
            time.sleep(person.rng.uniform(0, THINK_SECONDS[1]))  # not all at the same instant
            while time.monotonic() < deadline:
                person.study(person.rng.choice(modules), think=True)

        def health() -> None:
            probe = VirtualUser(base, "", recorder, random.Random(0))
            while not stop.is_set():
                probe._request("healthz", "GET", "/healthz", HTTPStatus.OK)
                stop.wait(0.1)

        threads = [threading.Thread(target=study, args=(p,)) for p in people]
        threads.append(threading.Thread(target=health))
        cpu_before = _cpu_seconds()
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads[:-1]:
            thread.join()
        stop.set()
        threads[-1].join()
        elapsed = time.monotonic() - started
        client_cpu = _cpu_seconds() - cpu_before
    summary = recorder.summary(elapsed)
    staff_times = sorted(
        t for name, times in recorder.samples.items() if name != "healthz" for t in times
    )
    staff_p95 = _percentile_ms(staff_times, 0.95) if staff_times else None
    healthz_p95 = summary.get("healthz", {}).get("p95_ms")
    return {
        "staff_requests_per_second": round(len(staff_times) / elapsed, 1),
        "think_seconds": list(THINK_SECONDS),
        "users": len(people),
        "seconds": round(elapsed, 1),
        "gunicorn_workers": _gunicorn_settings(),
        "staff_p95_ms": staff_p95,
        "staff_p95_vs_healthz": (staff_p95 / healthz_p95) if staff_p95 and healthz_p95 else None,
        # The client's CPU: seconds used ÷ seconds run (1.0 = one core busy all along).
        "client_cpu_share": round(client_cpu / elapsed, 2),
        "requests": summary,
        "errors": sum(s["errors"] for s in summary.values())
        + sum(s["errors"] for s in sign_ins.summary(elapsed).values()),
    }
