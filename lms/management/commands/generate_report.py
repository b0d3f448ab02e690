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
        as_of = as_of or local_today()
        if fiscal_year is not None:
            start, end = fiscal_year_bounds(fiscal_year)
            if not start <= as_of <= end:
                as_of = min(end, local_today()) if start <= local_today() else end
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

    def _progress(self, done: int) -> None:
        bar = "#" * min(40, done // 500 + 1)
        sys.stdout.write(f"\r[{bar:<40}] {done} rows")
        sys.stdout.flush()
