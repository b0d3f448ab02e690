"""One table for people, one JSON line per size for machines."""

import json

from .run import TARGETS


def _ratio(value) -> str:
    return f"{value:.2f}×" if isinstance(value, float) else "—"


def print_report(lines: list[dict], *, out) -> None:
    small, large = lines
    facts = large["machine"]
    print(
        f"\nShinka bench on {facts['cpus']} CPUs, {facts['platform']}, Python {facts['python']}, "
        f"Django {facts['django']}, {facts['database']} (load {facts['load_average_1m']:.1f})",
        file=out,
    )
    print(
        "Figures marked × are ratios measured interleaved in this run (medians); "
        "seconds and ms are for orientation only.\n",
        file=out,
    )
    rows = [("", small["size"], large["size"], "target")]
    for line in lines:
        line.setdefault("figures", {})
    for label, key, target in (
        ("HR aggregate: job ÷ SQL GROUP BY", "aggregate_vs_sql", TARGETS["aggregate_vs_sql"]),
        ("Per-person CSV: job ÷ COPY", "csv_vs_copy", TARGETS["csv_vs_copy"]),
        ("Whole HR job (XLSX + CSV + tallies) ÷ CSV", "hr_job_vs_csv", TARGETS["hr_job_vs_csv"]),
        ("Candidates: job ÷ SQL", "candidates_vs_sql", TARGETS["candidates_vs_sql"]),
    ):
        rows.append(
            (
                label,
                _ratio(small["figures"].get(key)),
                _ratio(large["figures"].get(key)),
                f"≤ {target}×" if target else "",
            )
        )
    for name in ("aggregate_job", "aggregate_sql", "csv_job", "csv_copy", "hr_job"):
        rows.append(
            (
                f"  {name} (s)",
                str(small["figures"]["seconds"].get(name, "—")),
                str(large["figures"]["seconds"].get(name, "—")),
                "",
            )
        )
    rows.append(
        (
            "Person × course rows",
            str(small["counts"].get("person_course_rows")),
            str(large["counts"].get("person_course_rows")),
            "",
        )
    )
    for kind, queries in large["figures"]["job_queries"].items():
        rows.append(
            (
                f"Job queries: {kind}",
                str(small["figures"]["job_queries"][kind]),
                str(queries),
                "equal",
            )
        )
    across = large["figures"]["across_sizes"]
    for kind, metrics in across["memory_ratio"].items():
        for metric, ratio in metrics.items():
            rows.append(
                (
                    f"Job memory {kind} {metric}",
                    str(small["figures"]["job_memory"][kind][metric]),
                    f"{large['figures']['job_memory'][kind][metric]} ({_ratio(ratio)})",
                    f"≤ {TARGETS['memory_ratio']}×",
                )
            )
    for page, ratio in across["page_ratio"].items():
        rows.append(
            (
                f"Page {page}: ms (queries)",
                f"{small['figures']['page_ms'][page]} ({small['figures']['page_queries'][page]})",
                f"{large['figures']['page_ms'][page]} ({large['figures']['page_queries'][page]})"
                f" {_ratio(ratio)}",
                f"≤ {TARGETS['page_ratio']}×, equal",
            )
        )
    load = large["figures"].get("load")
    if load:
        rows.append(
            (
                "Load run",
                "",
                f"{load['users']} users, {load['seconds']} s, gunicorn {load['gunicorn_workers']}, "
                f"{load['staff_requests_per_second']} staff req/s, {load['errors']} errors",
                "0 errors",
            )
        )
        rows.append(
            (
                "Load: staff p95 ÷ /healthz p95",
                "",
                f"{_ratio(load.get('staff_p95_vs_healthz'))} (staff p95 "
                f"{load.get('staff_p95_ms')} ms, /healthz p95 "
                f"{load['requests'].get('healthz', {}).get('p95_ms')} ms)",
                f"≤ {TARGETS['load_p95_vs_healthz']}×",
            )
        )
        for name, stats in load["requests"].items():
            rows.append(
                (
                    f"Load {name}: p50/p95/p99 ms, req/s",
                    "",
                    f"{stats['p50_ms']}/{stats['p95_ms']}/{stats['p99_ms']}, "
                    f"{stats['per_second']}/s, {stats['errors']} errors"
                    + "".join(
                        f"; {reason} ×{count}"
                        for reason, count in stats.get("error_reasons", {}).items()
                    ),
                    "0 errors",
                )
            )
    checks = [
        f"{line['size']}: "
        + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in line["checks"].items())
        for line in lines
    ]
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)), file=out)
    print("\nResults equal to the SQL baselines — " + "; ".join(checks), file=out)
    print(
        f"Query counts equal across sizes — jobs: {across['job_queries_equal']}, "
        f"pages: {across['page_queries_equal']}\n",
        file=out,
    )
    for line in lines:
        print(json.dumps(line, default=str, ensure_ascii=False), file=out)
