import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from lms.audit import Actor
from lms.models import Organization
from lms.models.people import normalize_staff_number
from lms.people.roster import RunFrom, roster_apply, roster_plan


class Command(BaseCommand):
    help = (
        "Import HR's staff list (CSV in UTF-8 or CP932, or XLSX). Nothing is written on any error. "
        "A run that changes something is recorded in the audit log (a dry run writes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as-of", type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--deactivate-missing", action="store_true")
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--organization", help="organisation code (needed with several)")
        parser.add_argument(
            "--actor",
            metavar="STAFF_NUMBER",
            help="staff number of the person running the import, for the audit log",
        )

    def handle(self, *args, file, as_of, dry_run, deactivate_missing, create_missing, **options):
        organization = self._organization(options.get("organization"))
        actor = self._actor(options.get("actor"), organization)
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
            else roster_apply(
                organization=organization,
                plan=plan,
                as_of=as_of,
                actor=actor,
                filename=file.name,
                via=RunFrom.COMMAND,
            )
        )
        self.stdout.write(
            _(
                "Organisation: %(town)s (staff numbers matched only among its people; "
                "other organisations are not changed)"
            )
            % {"town": organization.name}
        )
        self._report(counts, dry_run)

    def _organization(self, code):
        organizations = Organization.objects.all()
        if code:
            organizations = organizations.filter(code=code)
        if organizations.count() != 1:
            raise CommandError(_("Choose the organisation with --organization CODE."))
        return organizations.get()

    def _actor(self, staff_number, organization) -> Actor:
        """Who runs the import (a staff number of the town's roster, or of an operator
        without a town); without --actor the audit event names nobody."""
        if not staff_number:
            return Actor()
        staff_number = normalize_staff_number(staff_number)
        users = get_user_model().objects.filter(staff_number=staff_number)
        # Someone of the town's roster, else a platform operator without a town.
        user = (
            users.filter(organization=organization).first()
            or users.filter(organization__isnull=True, is_superuser=True).first()
        )
        if user is None:
            raise CommandError(
                _("No member of staff of %(town)s has the staff number %(number)s.")
                % {"town": organization.name, "number": staff_number}
            )
        return Actor(user=user)

    def _report(self, counts, dry_run):
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
