import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from content.search import index_tokens, with_bigram_title

from .blocks import ModuleStreamBlock, body_passages
from .forms import CoursePageForm, ModulePageForm

# courses knows no towns: whether a person may read a learning page of a town is asked of
# lms through this hook (a function of the user and the page returning a bool; every one
# registered must agree). With none registered (courses alone) every signed-in person may.
LEARNER_PAGE_READERS_HOOK = "shinka_learner_may_read_page"


def readable_by(user, page) -> bool:
    """Whether ``user`` may read ``page`` by the hooks of ``LEARNER_PAGE_READERS_HOOK``."""
    return all(may_read(user, page) for may_read in hooks.get_hooks(LEARNER_PAGE_READERS_HOOK))


def learner_may_open(request, page) -> bool:
    """Whether the signed-in learner may act on ``page`` by a POST of its own (complete it,
    start its quiz): the page is theirs to read (``readable_by``) and they pass its privacy
    settings and those above it, as Wagtail's serving of the page would have them."""
    if not readable_by(request.user, page):
        return False
    return all(restriction.accept_request(request) for restriction in page.get_view_restrictions())


class StaffOnlyPageMixin:
    """Learning pages are for signed-in staff only, only while their ancestors are live,
    and only for the people whose town they belong to (``LEARNER_PAGE_READERS_HOOK``).

    Enforced in code rather than by a page privacy setting an editor could
    remove. Wagtail itself serves a live page below an unpublished one; a
    module of a withdrawn course must not be reachable.
    """

    def route(self, request, path_components):
        """Wagtail's routing, one query per level: the child is read as its own type at
        once (the tree is locked: a page has children of one type), where Wagtail reads
        the page and then its type's row; a child of another type, or none, goes
        Wagtail's way (the same page, or the same 404).

        The page found is marked as routed in this request: its ancestors
        (``_cached_parent_obj``, left on each child) were read for this request, so
        ``serve`` and ``get_context`` use them instead of reading them again
        (``routed_parent``)."""
        if path_components:
            child_models = self.allowed_subpage_models()
            if len(child_models) == 1:
                child = (
                    child_models[0].objects.child_of(self).filter(slug=path_components[0]).first()
                )
                if child is not None and child.specific_class is child_models[0]:
                    child._cached_parent_obj = self
                    return child.route(request, path_components[1:])
            return super().route(request, path_components)
        result = super().route(request, path_components)
        self._shinka_routed = True
        return result

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if has_unpublished_ancestor(self) or not readable_by(request.user, self):
            raise Http404
        return super().serve(request, *args, **kwargs)


def parent_path(page_path: str) -> str:
    """The tree path of a page's parent (a track's for a course, a course's for a module)."""
    return page_path[: -Page.steplen]


def routed_parent(page: Page, model):
    """The parent of ``page`` as Wagtail's routing loaded it for this request (a ``model``
    instance with every field), or None: then the caller reads it itself.

    Only for a page found by routing in this request (``StaffOnlyPageMixin.route``) and its
    ancestors: treebeard leaves a parent on a child elsewhere too (``add_child``), where
    it may be stale."""
    if not page.__dict__.get("_shinka_routed"):
        return None
    parent = page.__dict__.get("_cached_parent_obj")
    if isinstance(parent, model) and parent.path == parent_path(page.path):
        parent._shinka_routed = True  # its own parent was routed in the same walk
        return parent
    return None


def _routed_ancestors(page: Page) -> list[Page] | None:
    """Every ancestor of ``page`` below the tree root, as routing loaded them in this
    request, or None when any of them was not (a page not routed, a site's root page
    deeper than the tree's second level)."""
    if not page.__dict__.get("_shinka_routed"):
        return None
    ancestors, node = [], page
    while node.depth > 2:
        parent = node.__dict__.get("_cached_parent_obj")
        if parent is None or parent.path != parent_path(node.path):
            return None
        ancestors.append(parent)
        node = parent
    return ancestors


def has_unpublished_ancestor(page: Page) -> bool:
    """One query, none for a page routed in this request (its ancestors were just read).
    The tree root (depth 1) is never live and does not count."""
    ancestors = _routed_ancestors(page)
    if ancestors is not None:
        return any(not ancestor.live for ancestor in ancestors)
    return Page.objects.ancestor_of(page).filter(depth__gt=1, live=False).exists()


class LearningHomePage(StaffOnlyPageMixin, Page):
    """The top of the learning catalogue: lists the tracks."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.TrackPage"]
    template = "courses/learning_home_page.html"

    class Meta:
        verbose_name = _("learning home page")

    def get_context(self, request, *args, **kwargs):
        # Selectors import these models, so they are imported here, at call time.
        from .selectors import catalogue_for_learner

        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = catalogue_for_learner(home=self, user=request.user)
        return context


class TrackPage(StaffOnlyPageMixin, Page):
    """A role-specific learning track (全職員向け基礎, 管理職向け …)."""

    intro = models.TextField(_("introduction"), blank=True)
    audience_note = models.CharField(
        _("intended audience"),
        max_length=200,
        blank=True,
        help_text=_("Shown to learners, e.g. 'All staff' or 'Counter staff'."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("audience_note")]
    search_fields = [
        *with_bigram_title(Page.search_fields),
        index.SearchField("intro"),
        index.SearchField("search_bigrams"),
    ]
    parent_page_types = ["courses.LearningHomePage"]
    subpage_types = ["courses.CoursePage"]
    template = "courses/track_page.html"

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def search_passages(self) -> list[str]:
        """The text a search looks in (besides the title) and cuts its passage from."""
        return [text for text in (self.intro, self.audience_note) if text]

    def search_bigrams(self) -> str:
        """The tokens of the text, for words inside Japanese text (content/search.py)."""
        return index_tokens(*self.search_passages())

    def get_context(self, request, *args, **kwargs):
        from .selectors import track_outline_for_learner

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = track_outline_for_learner(track=self, user=request.user)
        return context


VALIDITY_CHOICES = [(12, _("12 months")), (24, _("24 months")), (36, _("36 months"))]
MAX_WARNING_DAYS = 180
ANNUAL_OR_VALIDITY = _(
    "A course is either annual (every fiscal year) or valid for a period, not both."
)


class CoursePage(StaffOnlyPageMixin, Page):
    summary = models.TextField(_("summary"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=30)
    annual = models.BooleanField(
        _("annual course"),
        default=False,
        help_text=_("Must be completed again every fiscal year (e.g. information security)."),
    )
    # Renewal (docs/renewal.md): a completion is valid for this many months from its day
    # in Japan, then the course is due again. Empty: as before (once, or every fiscal
    # year when ``annual``); never both.
    validity_months = models.PositiveSmallIntegerField(
        _("valid for"),
        choices=VALIDITY_CHOICES,
        null=True,
        blank=True,
        help_text=_(
            "A completion stays valid for this period, then the course must be taken "
            "again. Leave empty for a course completed once or every fiscal year."
        ),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("expiry warning (days before)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WARNING_DAYS)],
        help_text=_(
            "Learners are told this many days before their completion expires, and may "
            "renew from then on."
        ),
    )
    skill_areas = ParentalManyToManyField(
        "assessments.SkillArea",
        verbose_name=_("skill areas"),
        blank=True,
        related_name="courses",
        help_text=_("Areas this course builds; learners below the target level are pointed here."),
    )
    # The rule (what "complete" means, who is refused where): courses/prerequisites.py.
    prerequisites = ParentalManyToManyField(
        "self",
        verbose_name=_("prerequisite courses"),
        symmetrical=False,
        blank=True,
        related_name="required_by",
        help_text=_(
            "Courses to complete before this one opens. Only courses of the same learning "
            "home are offered; a course cannot require itself or form a loop."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("annual"),
        MultiFieldPanel(
            [FieldPanel("validity_months"), FieldPanel("expiry_warning_days")],
            heading=_("Renewal"),
        ),
        FieldPanel("skill_areas", widget=forms.CheckboxSelectMultiple),
        FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
        # The survey is part of the page: its questions are saved in the page's revisions
        # and go through the same review workflow before learners see them.
        InlinePanel(
            "survey_questions",
            heading=_("Survey after the course"),
            label=_("survey question"),
            help_text=_(
                "Offered to learners once they complete the course. Results are shown "
                "only as totals, never per person."
            ),
        ),
    ]
    search_fields = [
        *with_bigram_title(Page.search_fields),
        index.SearchField("summary"),
        index.SearchField("search_bigrams"),
    ]
    base_form_class = CoursePageForm
    parent_page_types = ["courses.TrackPage"]
    subpage_types = ["courses.ModulePage"]
    template = "courses/course_page.html"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            # A course renews by its validity or by the fiscal year, never both.
            models.CheckConstraint(
                condition=models.Q(annual=False) | models.Q(validity_months__isnull=True),
                name="course_annual_or_validity",
            ),
            models.CheckConstraint(
                condition=models.Q(validity_months__isnull=True)
                | models.Q(validity_months__in=[m for m, _label in VALIDITY_CHOICES]),
                name="course_validity_months_known",
            ),
        ]

    @property
    def renews(self) -> bool:
        """Whether completions expire (``validity_months``; docs/renewal.md)."""
        return bool(self.validity_months)

    def clean(self):
        super().clean()
        if self.annual and self.validity_months:
            raise ValidationError({"validity_months": ANNUAL_OR_VALIDITY})

    def search_passages(self) -> list[str]:
        return [self.summary] if self.summary else []

    def search_bigrams(self) -> str:
        return index_tokens(*self.search_passages())

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_context_for_learner

        context = super().get_context(request, *args, **kwargs)
        context.update(course_context_for_learner(course=self, user=request.user))
        return context


class ModulePage(StaffOnlyPageMixin, Page):
    """One unit of study. Its id is stable, so completions survive edits and moves."""

    summary = models.CharField(_("summary"), max_length=300, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    body = StreamField(ModuleStreamBlock(), verbose_name=_("body"), blank=True)
    last_reviewed_on = models.DateField(
        _("last checked on"),
        null=True,
        blank=True,
        help_text=_("The day someone last checked that the content is still correct (最終確認日)."),
    )
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person in charge"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who keeps this module up to date (担当者)."),
    )
    # The rule (what attesting records, when it completes the module): courses/attestations.py.
    requires_attestation = models.BooleanField(
        _("requires attestation"),
        default=False,
        help_text=_(
            "Learners complete this module by ticking 「内容を確認し、遵守します」 "
            "(e.g. the information security policy)."
        ),
    )
    attestation_version = models.PositiveIntegerField(
        _("attestation version"),
        default=1,
        help_text=_(
            "Raised by 「全員に再確認を求める」; attestations of earlier versions are kept."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("last_reviewed_on"), FieldPanel("content_owner")],
            heading=_("Content freshness"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("requires_attestation"),
                FieldPanel("attestation_version", read_only=True),
                FieldPanel("attestation_renew"),
            ],
            heading=_("Attestation"),
        ),
    ]
    base_form_class = ModulePageForm
    search_fields = [
        *with_bigram_title(Page.search_fields),
        index.SearchField("summary"),
        index.SearchField("search_bigrams"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    template = "courses/module_page.html"

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def search_passages(self) -> list[str]:
        """The summary and the text of the body's blocks (Markdown as read, rich text,
        callouts, captions, transcripts, link texts), read from the stored JSON: no query."""
        return [text for text in (self.summary, *body_passages(self.body)) if text]

    def search_bigrams(self) -> str:
        return index_tokens(*self.search_passages())

    def get_context(self, request, *args, **kwargs):
        from .selectors import module_context_for_learner

        context = super().get_context(request, *args, **kwargs)
        context.update(module_context_for_learner(module=self, user=request.user))
        return context


class ModuleCompletion(models.Model):
    """A learner finished a module.

    ``cycle`` is the fiscal year for modules of annual courses and 0 otherwise,
    so the database allows one completion per module, or one per module and
    fiscal year where the course is annual.
    """

    ONCE = 0

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="module_completions",
    )
    module = models.ForeignKey(
        ModulePage,
        verbose_name=_("module"),
        on_delete=models.CASCADE,
        related_name="completions",
    )
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual courses) or 0"))
    completed_at = models.DateTimeField(_("completed at"))
    via_attempt = models.ForeignKey(
        "assessments.Attempt",
        verbose_name=_("passed quiz attempt"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("module completion")
        verbose_name_plural = _("module completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "cycle"], name="module_completion_once_per_cycle"
            ),
        ]
        indexes = [models.Index(fields=["module", "cycle"])]

    def __str__(self):
        return f"{self.user} — {self.module}"


def private_storage():
    # Evidence files (external certificates) are personal data: outside MEDIA_ROOT,
    # served only by a view that checks permissions and writes an audit event.
    from django.core.files.storage import storages

    return storages["private"]


class CourseCompletion(models.Model):
    """Stored when every module of a course is complete, so reports read one table.

    HR and department heads also record completions learned elsewhere (集合研修, an
    external course) and import historical ones from a previous system: the same row,
    with ``source`` saying which, so every report counts them alike and marks them
    記録. ``completed_at`` is always when the course was completed; ``recorded_at`` when
    a recorded or imported row was written (the learner's own rows: ``completed_at``).
    """

    class Source(models.TextChoices):
        ONLINE = "online", _("Learned online")
        RECORDED = "recorded", _("Recorded")
        IMPORTED = "imported", _("Recorded (imported)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="course_completions",
    )
    course = models.ForeignKey(
        CoursePage,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="completions",
    )
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual courses) or 0"))
    completed_at = models.DateTimeField(_("completed at"))
    # Database defaults too: rows written in bulk outside the ORM (bench's COPY, raw
    # loads) name only the columns of a completion learned online.
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=Source.choices,
        default=Source.ONLINE,
        db_default=Source.ONLINE,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="", db_default="")
    evidence = models.FileField(
        _("evidence file"),
        storage=private_storage,
        upload_to="completions/%Y/",
        blank=True,
        default="",
        db_default="",
    )

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "cycle"], name="course_completion_once_per_cycle"
            ),
            # A recorded or imported completion always says when it was written.
            models.CheckConstraint(
                condition=models.Q(source="online") | models.Q(recorded_at__isnull=False),
                name="course_completion_recorded_when",
            ),
        ]
        indexes = [models.Index(fields=["course", "cycle"])]

    def __str__(self):
        return f"{self.user} — {self.course}"


class ModuleAttestation(models.Model):
    """A learner attested a module (「内容を確認し、遵守します」): one row per version of the
    module and cycle, never changed or deleted by the application, so the history stays.

    ``revision`` is the page revision that was live when the learner attested.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="module_attestations",
    )
    module = models.ForeignKey(
        ModulePage,
        verbose_name=_("module"),
        on_delete=models.CASCADE,
        related_name="attestations",
    )
    version = models.PositiveIntegerField(_("attestation version"))
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual courses) or 0"))
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("attested revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attested_at = models.DateTimeField(_("attested at"))

    class Meta:
        verbose_name = _("module attestation")
        verbose_name_plural = _("module attestations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "version", "cycle"],
                name="module_attestation_once_per_version_and_cycle",
            ),
        ]
        indexes = [models.Index(fields=["module", "version"])]

    def __str__(self):
        return f"{self.user} — {self.module} ({self.version})"


def cycle_for(*, annual: bool, fiscal_year: int) -> int:
    return fiscal_year if annual else ModuleCompletion.ONCE


# ---------------------------------------------------------------------------------------
# 受講後アンケート (docs/surveys.md): the questions are part of the course page (InlinePanel,
# reviewed with it); who took part and what was answered are kept in separate tables that
# nothing joins: a response carries no user, no time and a random id.

RATING_MIN, RATING_MAX = 1, 5


class SurveyQuestion(Orderable):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating (1–5)")
        TEXT = "text", _("Free text")

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="survey_questions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RATING)
    text = models.CharField(_("question"), max_length=300)
    low_label = models.CharField(
        _("label of 1"), max_length=40, blank=True, help_text=_("e.g. 不満")
    )
    high_label = models.CharField(
        _("label of 5"), max_length=40, blank=True, help_text=_("e.g. 満足")
    )

    panels = [
        FieldPanel("kind"),
        FieldPanel("text"),
        FieldPanel("low_label"),
        FieldPanel("high_label"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def __str__(self):
        return self.text


class SurveyParticipation(models.Model):
    """That a learner answered (or skipped) a course's survey in a cycle, never what.

    One row per learner, course and cycle: the learner answers once per cycle.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual courses) or 0"))
    answered = models.BooleanField(_("answered"), default=False)

    class Meta:
        verbose_name = _("survey participation")
        verbose_name_plural = _("survey participations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "cycle"], name="survey_participation_once_per_cycle"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.course} ({self.cycle})"


class SurveyResponse(models.Model):
    """One learner's answers, without the learner: a random id, no time.

    ``owner`` is a keyed hash (HMAC with the secret key) of learner, course and cycle, so
    the learner can find their own answers again; it names nobody to a reader of the table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(
        CoursePage,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    cycle = models.PositiveSmallIntegerField(_("fiscal year (annual courses) or 0"))
    owner = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        indexes = [models.Index(fields=["course", "cycle"])]

    def __str__(self):
        return f"{self.course} ({self.cycle})"


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="survey_answer_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return str(self.rating) if self.rating is not None else self.text[:40]
