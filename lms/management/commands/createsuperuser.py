"""Django's createsuperuser, for staff numbers that are unique per town.

A superuser made here is a platform operator without a town (``User.organization``
empty), or, with ``--organization CODE``, one on that town's roster (as in the demo, where
the town's site administrator is also the operator). The staff number is checked within
that town (or among operators without a town) before anything is written: Django's own
check is skipped because the number is not unique across the deployment.
"""

from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from lms.models import Organization, User
from lms.models.people import normalize_staff_number


class Command(createsuperuser.Command):
    help = (
        "Create a platform operator (superuser): without a town, or with --organization CODE "
        "on that town's roster. Staff numbers are unique within a town."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--organization",
            metavar="CODE",
            help="code of the town whose roster holds the operator (default: no town)",
        )

    def execute(self, *args, **options):
        code = options.get("organization")
        self.organization = None
        if code:
            self.organization = Organization.objects.filter(code=code).first()
            if self.organization is None:
                raise CommandError(_("No organisation has the code %(code)s.") % {"code": code})
        return super().execute(*args, **options)

    def _validate_username(self, username, verbose_field_name, database):
        error = super()._validate_username(username, verbose_field_name, database)
        if error:
            return error
        number = normalize_staff_number(username)
        users = User._default_manager.db_manager(database).filter(staff_number=number)
        if users.filter(organization=self.organization).exists():
            return _(
                "Error: a member of staff with this staff number already exists in %(town)s."
            ) % {"town": self.organization.name if self.organization else _("no organisation")}
        if self.organization is not None and users.filter(organization__isnull=True).exists():
            # The account is saved first without a town (Django's command), then placed.
            return _("Error: an operator without a town already has this staff number.")
        return None

    def handle(self, *args, **options):
        if self.organization is None:
            return super().handle(*args, **options)
        database = options["database"]
        operators = User._default_manager.db_manager(database).filter(
            organization__isnull=True, is_superuser=True
        )
        with transaction.atomic(using=database):
            before = set(operators.values_list("pk", flat=True))
            super().handle(*args, **options)
            operators.exclude(pk__in=before).update(organization=self.organization)
        return None
