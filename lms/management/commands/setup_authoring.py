from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from courses.models import LearningHomePage
from lms.people.authoring import authoring_setup


class Command(BaseCommand):
    help = "Set up page permissions and the review workflow for every learning home. Idempotent."

    def handle(self, *args, **options):
        for home in LearningHomePage.objects.all():
            workflow = authoring_setup(home=home)
            self.stdout.write(
                _("%(home)s: workflow “%(workflow)s”") % {"home": home, "workflow": workflow}
            )
