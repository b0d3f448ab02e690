import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Organization(models.Model):
    """A municipality. One by default; several when a prefecture hosts its towns."""

    code = models.CharField(
        _("code"), max_length=16, unique=True, help_text=_("e.g. the local government code.")
    )
    name = models.CharField(_("name"), max_length=100)
    # The town's own Wagtail Site: its host name tells sign-in which town's roster a
    # staff number belongs to, and its root page is the top of the town's own tracks.
    # Empty for a single-town instance, where the default site serves the only town.
    site = models.OneToOneField(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organization",
        help_text=_("The town's own site (host name and learning home page)."),
    )
    # Who issues the town's 修了証 (the seal line at its foot), e.g. 「鏡野町長 山田 太郎」.
    certificate_issuer = models.CharField(
        _("certificate issuer"),
        max_length=100,
        blank=True,
        help_text=_(
            "Printed at the foot of certificates of completion, e.g. 'Mayor of the town'. "
            "Empty: the town's name followed by 長."
        ),
    )

    class EraDisplay(models.TextChoices):
        JAPANESE = "wareki", _("Japanese era (e.g. Reiwa 8)")
        WESTERN = "seireki", _("Western calendar (e.g. 2026)")

    # How the town's pages write fiscal years and dates (courses/fiscal.py, town_date).
    era_display = models.CharField(
        _("years and dates"),
        max_length=8,
        choices=EraDisplay,
        default=EraDisplay.JAPANESE,
        help_text=_("How fiscal years and dates are written on the town's pages."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def certificate_issuer_text(self) -> str:
        """The seal line of the town's certificates: the setting, or 〇〇町長."""
        return self.certificate_issuer or f"{self.name}長"


class Department(models.Model):
    """A node of the department tree: 部 → 課 → 係.

    ``path`` is the chain of codes from the root ("/SOMU/KIKAKU/"), kept so a
    subtree is one ``path__startswith`` lookup, in SQL, at any depth.
    """

    class Level(models.TextChoices):
        DIVISION = "bu", _("Division (部)")
        SECTION = "ka", _("Section (課)")
        UNIT = "kakari", _("Unit (係)")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(
        pgettext_lazy("department", "level"), max_length=8, choices=Level, default=Level.SECTION
    )
    path = models.CharField(_("path"), max_length=500, editable=False, db_index=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["organization", "sort_order", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="department_code_unique_per_org"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A moved or re-coded department carries its subtree with it.
            for child in self.children.all():
                child.save()

    def clean(self):
        super().clean()
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError(
                    {"parent": _("A department cannot be placed under itself or its own units.")}
                )
            ancestor = ancestor.parent
        if self.parent and self.parent.organization_id != self.organization_id:
            raise ValidationError(
                {"parent": _("The parent department must belong to the same organisation.")}
            )


class Position(models.Model):
    """A post (職位) of one town. ``rank`` orders them; managers are rank ≥ MANAGER_RANK.

    Each town keeps its own list (codes are unique within a town): a membership and a
    track assignment name positions of their own town (``Membership.clean``, the
    admin's forms in ``lms/people/town_admin.py``, the roster import).
    """

    MANAGER_RANK = 60

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("Higher is more senior. Section chief (課長) and above: 60 or more.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["rank", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="position_code_unique_per_org"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_manager(self) -> bool:
        return self.rank >= self.MANAGER_RANK


class MembershipQuerySet(models.QuerySet):
    def active_on(self, date: datetime.date):
        return self.filter(
            Q(valid_from__lte=date), Q(valid_to__isnull=True) | Q(valid_to__gte=date)
        )

    def held_on_or_after(self, date: datetime.date):
        """Posts held on ``date`` or starting later (a new hire's first day)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date))


ONE_PRIMARY_POST = _(
    "This member of staff already has a primary post on some of these days "
    "(%(department)s, from %(valid_from)s). End that post first, or untick "
    "“primary post” to record a concurrent post."
)


def posts_overlap(a_from, a_to, b_from, b_to) -> bool:
    """Whether two posts share a day (``valid_to`` inclusive; None: until further notice)."""
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


PRIMARY_POST_CONSTRAINT = "membership_one_primary_post_a_day"


def primary_posts_check_now(using: str = "default") -> None:
    """Check the one-primary-post constraint now, not at commit (PostgreSQL: it is
    DEFERRABLE INITIALLY DEFERRED, migration 0025): raises IntegrityError here, inside
    the caller's ``try``, if the posts saved so far break the rule. No-op elsewhere."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {PRIMARY_POST_CONSTRAINT} IMMEDIATE")


class Membership(models.Model):
    """A dated post: who belonged to which department in which position, when.

    Transfers close one membership and open another, so history stays true.
    Concurrent posts (兼務) are further memberships with ``is_primary=False``.
    ``valid_to`` is inclusive; empty means "until further notice".

    A person holds at most one primary post (本務) on any day: ``clean()`` refuses
    an overlapping second one, and on PostgreSQL so does the database (an exclusion
    constraint, migration 0020, checked at commit since 0025).
    """

    # Ids of the person's other posts that are being validated together with this one
    # (the admin's formset checks them against each other, with their edited dates).
    validated_with: frozenset = frozenset()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="memberships"
    )
    is_primary = models.BooleanField(
        _("primary post"), default=True, help_text=_("Untick for a concurrent post (兼務).")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_to_after_valid_from",
            ),
        ]
        indexes = [models.Index(fields=["department", "valid_from", "valid_to"])]

    def __str__(self):
        return f"{self.user} — {self.department} / {self.position}"

    def clean(self):
        super().clean()
        self.clean_town()
        if (
            self.department_id
            and self.position_id
            and self.position.organization_id != self.department.organization_id
        ):
            raise ValidationError(
                {"position": _("Choose a position of the department's own organisation.")}
            )
        if not (self.is_primary and self.user_id and self.valid_from):
            return  # a missing field has its own error
        if self.valid_to is not None and self.valid_to < self.valid_from:
            return  # the dates have their own error (membership_valid_to_after_valid_from)
        clash = self.overlapping_primary_posts().exclude(pk__in=self.validated_with).first()
        if clash is not None:
            raise one_primary_post_error(clash)

    def clean_town(self):
        """A post is in the person's own town (``User.organization``), never another's."""
        if not (self.user_id and self.department_id):
            return  # a missing field has its own error
        error = post_in_another_town_error(self.user, self.department)
        if error is not None:
            raise ValidationError({"department": error})

    def overlapping_primary_posts(self):
        """The person's other primary posts that share a day with this one."""
        others = Membership.objects.filter(user_id=self.user_id, is_primary=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
        )
        if self.valid_to is not None:
            others = others.filter(valid_from__lte=self.valid_to)
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        return others.select_related("department").order_by("valid_from", "id")


def post_in_another_town_error(user, department) -> ValidationError | None:
    """Why ``user`` may not hold a post in ``department`` (another town's); else None."""
    if user.organization_id == department.organization_id:
        return None
    if user.organization_id is None:
        return ValidationError(
            _(
                "%(person)s belongs to no organisation's roster, so cannot hold a post in "
                "%(town)s. Import them with that town's roster first."
            ),
            code="post_without_town",
            params={"person": user.get_full_name(), "town": department.organization.name},
        )
    return ValidationError(
        _(
            "%(department)s belongs to %(town)s, but %(person)s is on the roster of "
            "%(own)s. A post must be in the person's own organisation."
        ),
        code="post_in_another_town",
        params={
            "department": department.name,
            "town": department.organization.name,
            "person": user.get_full_name(),
            "own": user.organization.name,
        },
    )


def one_primary_post_error(clash: Membership) -> ValidationError:
    return ValidationError(
        ONE_PRIMARY_POST,
        code="one_primary_post",
        params={"department": clash.department.name, "valid_from": date_format(clash.valid_from)},
    )
