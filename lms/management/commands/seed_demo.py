from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the demo town (鏡野町): departments, staff, curriculum, progress. Idempotent."

    def handle(self, *args, **options):
        if not settings.SHINKA_DEMO_ALLOWED:
            raise CommandError(
                _("The demo town has published passwords and is not loaded in production.")
            )
        report = seed_demo()
        for kind, count in report.created.items():
            self.stdout.write(f"  {kind}: +{count}")
        self.stdout.write(self.style.SUCCESS(_("Demo town is ready.")))
        self.stdout.write(_("Demo accounts (for the demo only):"))
        for account in report.accounts:
            self.stdout.write(
                f"  {account.role.label:<12} {account.staff_number}  {account.password}"
                f"  ({account.family_name} {account.given_name})"
            )
