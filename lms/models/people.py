import unicodedata

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def normalize_staff_number(value: str) -> str:
    """Staff numbers arrive from Excel with full-width digits; NFKC makes them one form."""
    return unicodedata.normalize("NFKC", value or "").strip()


def full_name(family_name: str, given_name: str) -> str:
    """How a name is shown: 姓 名, or the family name alone."""
    return f"{family_name} {given_name}".strip()


STAFF_NUMBER_TAKEN = _(
    "A member of staff with this staff number already exists in this organisation."
)


class StaffUserManager(UserManager):
    """Users by staff number, which is unique within a town (``User.organization``).

    ``create_user`` / ``create_superuser`` take ``organization=`` like any other field: a
    person of a town's roster has one; a platform operator may have none. A natural key is
    (staff number, town code), as the staff number alone names one person per town.
    """

    use_in_migrations = True

    def get_by_natural_key(self, staff_number, organization_code=None):
        return self.get(
            staff_number=staff_number,
            **(
                {"organization__code": organization_code}
                if organization_code is not None
                else {"organization__isnull": True}
            ),
        )

    def _create_user_object(self, staff_number, email, password, **extra_fields):
        if not staff_number:
            raise ValueError("A staff number is required.")
        email = self.normalize_email(email)
        user = self.model(
            staff_number=normalize_staff_number(staff_number), email=email, **extra_fields
        )
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def _create_user(self, staff_number, email, password, **extra_fields):
        user = self._create_user_object(staff_number, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, staff_number, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(staff_number, email, password, **extra_fields)

    def create_superuser(self, staff_number, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(staff_number, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Accounts are created by HR, never by sign-up.

    Japanese names are stored as family name + given name (姓・名) with their
    kana readings, instead of Django's first/last name, which do not fit.
    """

    username = None
    first_name = None
    last_name = None

    # The town whose roster holds the person: their staff number is unique there (the same
    # number repeats between towns), their posts are there (``Membership.clean``), and
    # sign-in by staff number looks there (``lms.people.accounts``). Empty only for a
    # platform operator (superuser) who belongs to no town.
    organization = models.ForeignKey(
        "lms.Organization",
        verbose_name=pgettext_lazy("person", "organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
        help_text=_("The town whose staff roster holds this person."),
    )
    staff_number = models.CharField(
        _("staff number"),
        max_length=32,
        help_text=_("The number HR gives each member of staff (職員番号)."),
    )
    family_name = models.CharField(_("family name"), max_length=64)
    given_name = models.CharField(_("given name"), max_length=64, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=64, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=64, blank=True)
    email = models.EmailField(_("email address"), unique=True)
    # What the person writes on their own profile page (the roster owns the rest).
    interests = models.TextField(
        _("DX interests and strengths"),
        max_length=400,
        blank=True,
        db_default="",  # bulk loads (bench/, COPY) that name only the roster's columns
        help_text=_(
            "For example tools you use, qualifications, or what you would like to improve "
            "with digital tools. Your department head, HR and the IT policy division can read it."
        ),
    )

    USERNAME_FIELD = "staff_number"
    REQUIRED_FIELDS = ["email", "family_name"]

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["staff_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "staff_number"],
                name="user_staff_number_unique_per_org",
                violation_error_message=STAFF_NUMBER_TAKEN,
            ),
            # Operators without a town: unique among themselves (NULLs are distinct above).
            models.UniqueConstraint(
                fields=["staff_number"],
                condition=Q(organization__isnull=True),
                name="user_staff_number_unique_without_org",
                violation_error_message=STAFF_NUMBER_TAKEN,
            ),
        ]

    def __str__(self):
        return f"{self.get_full_name()} ({self.staff_number})"

    def natural_key(self):
        return (self.staff_number, self.organization.code if self.organization_id else None)

    def clean(self):
        super().clean()
        self.staff_number = normalize_staff_number(self.staff_number)

    def get_full_name(self) -> str:
        return full_name(self.family_name, self.given_name)

    def get_short_name(self) -> str:
        return self.family_name

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()
