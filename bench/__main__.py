"""``python -m bench run --size city`` (see bench/README.md)."""

import argparse
import datetime
import json
import os
import resource
import sys


def main(argv=None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from .generate import SIZES

    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="build both sizes if needed and measure")
    run.add_argument("--size", choices=SIZES, default="city")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--repeats", type=int, default=5)
    run.add_argument("--rebuild", action="store_true")
    run.add_argument("--load-seconds", type=int, default=60, help="0 skips the load run")
    run.add_argument("--load-users", type=int, default=200)
    build = commands.add_parser("generate", help="build one size's database")
    build.add_argument("--size", choices=SIZES, required=True)
    build.add_argument("--seed", type=int, default=1)
    build.add_argument("--rebuild", action="store_true")
    memory = commands.add_parser("memory", help="(internal) one job's peak memory")
    memory.add_argument("--size", choices=SIZES, required=True)
    memory.add_argument("--seed", type=int, default=1)
    memory.add_argument("--as-of", type=datetime.date.fromisoformat, required=True)
    memory.add_argument("--kind", required=True)
    memory.add_argument("--tracemalloc", action="store_true")
    writers = commands.add_parser("writers", help="time the XLSX writers on the real rows")
    writers.add_argument("--size", choices=SIZES, default="city")
    writers.add_argument("--seed", type=int, default=1)
    writers.add_argument("--rounds", type=int, default=3)
    child = commands.add_parser("writer-child", help="(internal) one writer, one file")
    child.add_argument("writer")
    child.add_argument("rows")
    child.add_argument("out")
    args = parser.parse_args(argv)

    from . import run as bench

    if args.command == "run":
        bench.run(
            size_name=args.size,
            seed=args.seed,
            repeats=args.repeats,
            rebuild=args.rebuild,
            load_seconds=args.load_seconds,
            load_users=args.load_users,
        )
    elif args.command == "generate":
        from courses.fiscal import local_today

        result = bench.prepare(
            SIZES[args.size], seed=args.seed, as_of=local_today(), rebuild=args.rebuild
        )
        print(json.dumps(result.__dict__, ensure_ascii=False))
    elif args.command == "writers":
        from .writers import compare

        compare(size_name=args.size, seed=args.seed, rounds=args.rounds)
    elif args.command == "writer-child":
        from pathlib import Path

        from .writers import child

        print(json.dumps(child(args.writer, Path(args.rows), Path(args.out))))
    elif args.command == "memory":
        print(json.dumps({"peak_mb": _job_peak_mb(args)}))


def _job_peak_mb(args) -> float:
    from . import jobs
    from . import run as bench
    from .generate import SIZES

    size = SIZES[args.size]
    bench.use(size)
    organization = bench.organization_for(size, seed=args.seed, as_of=args.as_of)
    run = jobs.fresh_run(organization=organization, kind=args.kind, as_of=args.as_of)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
        jobs.build_run(run)
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    jobs.build_run(run)
    return round(_peak_rss_kb() / 1024, 1)


def _peak_rss_kb() -> int:
    """This process's peak RSS. Linux keeps ``ru_maxrss`` across fork + exec, so a child
    of the (large) bench process would report its parent's peak; ``VmHWM`` is the peak of
    this process's own memory map."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    main(sys.argv[1:])
