import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from lms.models import Organization
from lms.people.roster import roster_apply, roster_plan


class Command(BaseCommand):
    help = (
        "Import HR's staff list (CSV in UTF-8 or CP932, or XLSX). Nothing is written on any error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--deactivate-missing", action="store_true")
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--organization", help="organisation code (needed with several)")

    def handle(self, *args, file, as_of, dry_run, deactivate_missing, create_missing, **options):
        organizations = Organization.objects.all()
        if options.get("organization"):
            organizations = organizations.filter(code=options["organization"])
        if organizations.count() != 1:
            raise CommandError(_("Choose the organisation with --organization CODE."))
        organization = organizations.get()
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("The file could not be read: %(error)s") % {"error": error}
            ) from None
        as_of = as_of or local_today()
        plan = roster_plan(
            organization=organization,
            data=data,
            filename=file.name,
            as_of=as_of,
            deactivate_missing=deactivate_missing,
            create_missing=create_missing,
        )
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)s errors: nothing was imported.") % {"count": len(plan.errors)}
            )
        counts = (
            plan.counts()
            if dry_run
            else roster_apply(organization=organization, plan=plan, as_of=as_of)
        )
        labels = {
            "created": _("created"),
            "updated": _("updated"),
            "transferred": _("transferred"),
            "unchanged": _("unchanged"),
            "deactivated": _("deactivated"),
        }
        for key, count in counts.items():
            self.stdout.write(f"{labels[key]}: {count}")
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
