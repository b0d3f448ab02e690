import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses.fiscal import fiscal_year_bounds, local_today
from lms.models import Organization, ReportRun
from lms.reporting.runs import ReportFrozen, report_build, report_request


class Command(BaseCommand):
    help = "Build a report now, in this process, and print where the file is."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ReportRun.Kind.values)
        parser.add_argument("--fiscal-year", type=int, help="defaults to the current fiscal year")
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--organization", help="organisation code (default: all)")

    def handle(self, *args, kind, fiscal_year=None, as_of=None, organization=None, **options):
        as_of = self._as_of(fiscal_year, as_of)
        organizations = Organization.objects.all()
        if organization:
            organizations = organizations.filter(code=organization)
        if not organizations:
            raise CommandError(_("No organisation found."))
        for org in organizations:
            # Built here, in this process: the job is not also published to a worker.
            try:
                run = report_request(
                    organization=org,
                    kind=kind,
                    as_of=as_of,
                    trigger=ReportRun.Trigger.COMMAND,
                    publish=False,
                ).run
            except ReportFrozen as frozen:
                raise CommandError(frozen.message) from frozen
            report_build(run_id=run.pk, progress=self._progress)
            run.refresh_from_db()
            sys.stdout.write("\n")
            if not run.xlsx_file:
                raise CommandError(
                    _("The report could not be built: %(error)s") % {"error": run.error}
                )
            self.stdout.write(self.style.SUCCESS(f"{org.name}: {run} — {run.row_count} rows"))
            self.stdout.write(run.xlsx_file.path)
            self.stdout.write(run.csv_file.path)

    @staticmethod
    def _as_of(fiscal_year, as_of):
        """The as-of date: given, or today, or (for a fiscal year) its last day when the
        year is over. A given date outside the given fiscal year is refused, never moved."""
        if fiscal_year is None:
            return as_of or local_today()
        start, end = fiscal_year_bounds(fiscal_year)
        if as_of is None:
            today = local_today()
            if today < start:
                raise CommandError(
                    _("Fiscal year %(year)s has not started yet (it starts on %(start)s).")
                    % {"year": fiscal_year, "start": start.isoformat()}
                )
            return min(end, today)
        if not start <= as_of <= end:
            raise CommandError(
                _(
                    "The as-of date %(as_of)s is outside fiscal year %(year)s "
                    "(%(start)s to %(end)s)."
                )
                % {
                    "as_of": as_of.isoformat(),
                    "year": fiscal_year,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                }
            )
        return as_of

    def _progress(self, done: int) -> None:
        bar = "#" * min(40, done // 500 + 1)
        sys.stdout.write(f"\r[{bar:<40}] {done} rows")
        sys.stdout.flush()
