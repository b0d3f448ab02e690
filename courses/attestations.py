"""Attestation (確認・同意, issue 19): a module can require 「内容を確認し、遵守します」.

The one home of the rule:

- A module with ``requires_attestation`` is completed by attesting: ``module_attest``
  (courses/services.py) stores a ``ModuleAttestation`` for the module's current
  ``attestation_version`` and cycle (the fiscal year for a module of an annual course, so
  the policy is attested again each year, 0 otherwise), with the time and the live
  revision, then completes the module; ``module_complete`` refuses such a module until
  the learner has attested its current version in the cycle. With a quiz in the module
  as well, both are needed: attest, and pass the quiz (in either order).
- 「全員に再確認を求める」 (``courses/forms.py``) raises ``attestation_version`` when the
  revision is published: every learner is asked to attest again on the module page, and
  ``attested_current`` counts only the new version. Attestations are rows, one per
  version and cycle, never changed or deleted, so the history stays. A completion
  already stored is not withdrawn by a new version (as a completion stays when modules
  are added later): it records what the learner had finished at the time.
"""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .fiscal import local_today
from .models import CoursePage, ModuleAttestation, ModulePage, parent_path


def attestation_cycle(
    *, user, module: ModulePage, course: CoursePage | None = None, day=None
) -> int:
    """The cycle an attestation of ``module`` by ``user`` counts for on ``day``
    (``courses.renewal.learner_cycle``)."""
    from .renewal import learner_cycle

    course = course or CoursePage.objects.get(path=parent_path(module.path))
    return learner_cycle(user=user, course=course, day=day or local_today())


def attestation_current(*, user, module: ModulePage, cycle: int) -> ModuleAttestation | None:
    """The learner's attestation of the module's current version in ``cycle``. One query."""
    if not module.requires_attestation or not getattr(user, "is_authenticated", False):
        return None
    return ModuleAttestation.objects.filter(
        user=user, module=module, version=module.attestation_version, cycle=cycle
    ).first()


def attestation_latest(*, user, module: ModulePage) -> ModuleAttestation | None:
    """The learner's latest attestation of the module, of any version. One query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ModuleAttestation.objects.filter(user=user, module=module).order_by("-attested_at").first()
    )


def modules_with_attestation_counts(modules):
    """``modules`` (a ModulePage queryset) annotated with ``attested_current``: how many
    people attested the module's current version (any cycle), and ``attested_total``: all
    attestation rows of the module (every version). Subqueries: no query of their own."""
    current = (
        ModuleAttestation.objects.filter(
            module=OuterRef("pk"), version=OuterRef("attestation_version")
        )
        .order_by()
        .values("module")
        .annotate(n=Count("user", distinct=True))
        .values("n")
    )
    total = (
        ModuleAttestation.objects.filter(module=OuterRef("pk"))
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return modules.annotate(
        attested_current=Coalesce(Subquery(current), 0),
        attested_total=Coalesce(Subquery(total), 0),
    )
