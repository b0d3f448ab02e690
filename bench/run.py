"""The bench: two sizes side by side, every figure a ratio measured in the same run.

For each size the jobs are timed against hand-written SQL (interleaved, medians);
across the two sizes the jobs' query counts and memory and the pages' time and
query counts are compared; then a short load run hits gunicorn.
"""

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from courses.fiscal import local_today
from lms.models import Organization, ReportRun

from . import baselines, databases, jobs
from .generate import SIZES, Size, organization_name
from .measure import count_queries, interleaved, machine
from .pages import PAGES, Browser, visits

KINDS = (ReportRun.Kind.HR_COMPLETION, ReportRun.Kind.DX_CANDIDATES)
TARGETS = {
    "aggregate_vs_sql": 2.0,  # 1.2× at prefecture (bench/README.md)
    "csv_vs_copy": 1.5,
    "hr_job_vs_csv": 2.0,
    "candidates_vs_sql": 2.0,
    "memory_ratio": 1.2,
    "page_ratio": 1.5,
    "load_p95_vs_healthz": 3.0,
}


@dataclass
class SizeResult:
    size: str
    database: str
    built_seconds: float | None = None
    counts: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)


def base_url() -> str:
    return os.environ.get("DATABASE_URL") or "sqlite:///var/bench/bench.sqlite3"


def organization_for(size: Size, *, seed: int, as_of) -> Organization:
    return Organization.objects.get(name=organization_name(size, seed, as_of))


def prepare(size: Size, *, seed: int, as_of, rebuild: bool = False) -> SizeResult:
    url = databases.url_for(base_url(), size)
    generated = databases.prepare(url, size=size, seed=seed, as_of=as_of, rebuild=rebuild)
    result = SizeResult(size=size.name, database=databases.name_of(url))
    if generated:
        result.built_seconds = round(generated.seconds, 1)
        result.counts = generated.counts
    return result


def use(size: Size) -> None:
    databases.use(databases.url_for(base_url(), size))


def measure_jobs(organization, result: SizeResult, *, as_of, repeats: int) -> None:
    """Jobs against SQL at one size: results checked equal, then timed interleaved."""
    args = {"organization": organization, "as_of": as_of}
    postgres = _vendor() == "postgresql"

    # Correctness first: the comparison means nothing if the answers differ.
    product_rows = jobs.person_rows(**args)
    sql_rows = baselines.person_rows(**args)
    result.counts["person_course_rows"] = len(product_rows)
    result.checks["person_rows_equal"] = _normalised(product_rows) == _normalised(sql_rows)
    result.checks["aggregate_equal"] = jobs.hr_aggregate(**args) == (
        baselines.department_course_tallies(**args)
    )
    ranked, criteria = jobs.candidates(**args)
    result.checks["candidates_equal"] = ranked == baselines.candidates(**args, criteria=criteria)
    result.counts["candidates"] = len(ranked)
    folder = Path(tempfile.mkdtemp(prefix="shinka-bench-"))
    hr_run = jobs.fresh_run(
        organization=organization, kind=ReportRun.Kind.HR_COMPLETION, as_of=as_of
    )
    if postgres:
        result.checks["csv_equal_to_copy"] = (
            _csv_text(args).splitlines() == _copy_text(args).splitlines()
        )  # COPY ends lines with LF, the job with CRLF for Excel

    cases = {
        "aggregate_job": lambda: jobs.hr_aggregate(**args),
        "aggregate_sql": lambda: baselines.department_course_tallies(**args),
        "candidates_job": lambda: jobs.candidates(**args),
        "candidates_sql": lambda: baselines.candidates(**args, criteria=criteria),
        "csv_job": lambda: _to_binary(
            folder / "job.csv", lambda s: jobs.person_csv(**args, stream=s)
        ),
        "hr_job": lambda: jobs.hr_files(hr_run),
    }
    if postgres:
        cases["csv_copy"] = lambda: _to_binary(
            folder / "copy.csv", lambda s: baselines.copy_person_csv(**args, stream=s)
        )
    timings = interleaved(cases, repeats=repeats)
    result.figures["seconds"] = {name: round(timings.median(name), 4) for name in cases}
    result.figures["aggregate_vs_sql"] = timings.ratio("aggregate_job", "aggregate_sql")
    result.figures["candidates_vs_sql"] = timings.ratio("candidates_job", "candidates_sql")
    # The whole HR job's files (tallies, workbook, CSV) ÷ the per-person CSV alone.
    result.figures["hr_job_vs_csv"] = timings.ratio("hr_job", "csv_job")
    if postgres:
        result.figures["csv_vs_copy"] = timings.ratio("csv_job", "csv_copy")


def measure_job_queries(organization, result: SizeResult, *, as_of) -> None:
    """The whole Celery job once per kind (this also leaves a report for the dashboards)."""
    queries = {}
    for kind in KINDS:
        # Twice unmeasured: the first calls in a process (and after switching databases)
        # fill caches (content types, Wagtail's reference index), so counts settle.
        for _warm_up in range(2):
            jobs.build_run(jobs.fresh_run(organization=organization, kind=kind, as_of=as_of))
        run = jobs.fresh_run(organization=organization, kind=kind, as_of=as_of)
        with count_queries() as counter:
            run = jobs.build_run(run)
        if run.status not in (ReportRun.Status.READY, ReportRun.Status.DELIVERED):
            raise RuntimeError(f"{kind} ended {run.status}: {run.error}")
        queries[kind] = counter.count
    result.figures["job_queries"] = queries


def measure_memory(size: Size, result: SizeResult, *, seed: int, as_of) -> None:
    """Peak memory of each job in a fresh process: Python heap (tracemalloc) and RSS."""
    memory = {}
    for kind in KINDS:
        memory[kind] = {
            "tracemalloc_peak_mb": _memory_subprocess(size, kind, seed, as_of, tracemalloc=True),
            "max_rss_mb": _memory_subprocess(size, kind, seed, as_of, tracemalloc=False),
        }
    result.figures["job_memory"] = memory


def _memory_subprocess(size, kind, seed, as_of, *, tracemalloc: bool) -> float:
    command = [
        sys.executable,
        "-m",
        "bench",
        "memory",
        "--size",
        size.name,
        "--seed",
        str(seed),
        "--as-of",
        as_of.isoformat(),
        "--kind",
        kind,
    ]
    if tracemalloc:
        command.append("--tracemalloc")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])["peak_mb"]


def measure_pages(organizations: dict, results: dict, *, switch, repeats: int) -> None:
    """Each page at every size, interleaved by round; warm-up requests before timing.

    ``organizations`` maps a size name to its organisation; ``switch(name)`` points
    the connection at that size's database.
    """
    names = list(organizations)
    browsers, plans = {}, {}
    for name in names:
        switch(name)
        plans[name] = visits(organization=organizations[name])
        browsers[name] = Browser()
        for visit in plans[name]:
            browsers[name].get(visit)  # warm: login, caches, connection
    samples = {name: {page: [] for page in PAGES} for name in names}
    queries = {name: {} for name in names}
    for round_number in range(repeats):
        for name in names if round_number % 2 == 0 else list(reversed(names)):
            switch(name)
            browsers[name].get(plans[name][0])  # reconnect outside the timing
            for visit in plans[name]:
                seconds, count = browsers[name].get(visit)
                samples[name][visit.name].append(seconds)
                queries[name][visit.name] = count
    for name in names:
        results[name].figures["page_ms"] = {
            page: round(1000 * statistics.median(times), 1) for page, times in samples[name].items()
        }
        results[name].figures["page_queries"] = queries[name]


def compare_sizes(small: SizeResult, large: SizeResult) -> dict:
    """Large ÷ small for pages and memory; whether query counts are equal."""
    pages_small, pages_large = small.figures["page_ms"], large.figures["page_ms"]
    memory_small, memory_large = small.figures["job_memory"], large.figures["job_memory"]
    return {
        "relative_to": small.size,
        "page_ratio": {p: pages_large[p] / pages_small[p] for p in PAGES},
        "page_queries_equal": small.figures["page_queries"] == large.figures["page_queries"],
        "job_queries_equal": small.figures["job_queries"] == large.figures["job_queries"],
        "memory_ratio": {
            kind: {
                metric: memory_large[kind][metric] / memory_small[kind][metric]
                for metric in memory_small[kind]
            }
            for kind in memory_small
        },
    }


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _normalised(rows) -> list[tuple]:
    """Rows as comparable values: SQLite hands dates back as text, PostgreSQL as dates."""
    return [
        (
            user,
            department,
            course,
            str(due)[:10],
            int(total),
            int(done),
            completed is not None,
            status,
            int(overdue),
        )
        for user, _n, department, _p, _t, course, due, total, done, completed, status, overdue in (
            rows
        )
    ]


def _to_file(path: Path, write) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        write(stream)


def _to_binary(path: Path, write) -> None:
    with path.open("wb") as stream:
        write(stream)


def _csv_text(args) -> str:
    stream = io.BytesIO()
    jobs.person_csv(**args, stream=stream)
    return stream.getvalue().decode()


def _copy_text(args) -> str:
    stream = io.BytesIO()
    baselines.copy_person_csv(**args, stream=stream)
    return stream.getvalue().decode()


def run(
    *,
    size_name: str,
    seed: int,
    repeats: int,
    rebuild: bool,
    load_seconds: int,
    load_users: int,
    out=sys.stdout,
) -> list[dict]:
    as_of = local_today()
    small_name = "tiny" if size_name == "town" else "town"
    sizes = [SIZES[small_name], SIZES[size_name]]
    results = {}
    for size in sizes:
        print(f"preparing {size.name} …", file=sys.stderr, flush=True)
        results[size.name] = prepare(size, seed=seed, as_of=as_of, rebuild=rebuild)
    organizations = {}
    for size in sizes:
        print(f"measuring jobs at {size.name} …", file=sys.stderr, flush=True)
        use(size)
        organization = organizations[size.name] = organization_for(size, seed=seed, as_of=as_of)
        measure_jobs(organization, results[size.name], as_of=as_of, repeats=repeats)
        measure_job_queries(organization, results[size.name], as_of=as_of)
        measure_memory(size, results[size.name], seed=seed, as_of=as_of)
    print("measuring pages …", file=sys.stderr, flush=True)
    measure_pages(
        organizations, results, switch=lambda name: use(SIZES[name]), repeats=max(repeats, 7)
    )
    small, large = results[sizes[0].name], results[sizes[1].name]
    large.figures["across_sizes"] = compare_sizes(small, large)
    if load_seconds:
        from .load import load_run

        print(f"load run at {large.size} ({load_users} users, {load_seconds} s) …", file=sys.stderr)
        large.figures["load"] = load_run(
            url=databases.url_for(base_url(), sizes[1]),
            users=load_users,
            seconds=load_seconds,
            organization_name=organization_name(sizes[1], seed, as_of),
        )
    use(sizes[1])
    from .report import print_report

    lines = [
        {"size": r.size, **r.__dict__, "machine": machine(), "ratios_are": "job ÷ baseline"}
        for r in results.values()
    ]
    print_report(lines, out=out)
    return lines
