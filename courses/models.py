from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from content.search import index_tokens, with_bigram_title

from .blocks import ModuleStreamBlock, body_passages


class StaffOnlyPageMixin:
    """Learning pages are for signed-in staff only, and only while their ancestors are live.

    Enforced in code rather than by a page privacy setting an editor could
    remove. Wagtail itself serves a live page below an unpublished one; a
    module of a withdrawn course must not be reachable.
    """

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if has_unpublished_ancestor(self):
            raise Http404
        return super().serve(request, *args, **kwargs)


def parent_path(page_path: str) -> str:
    """The tree path of a page's parent (a track's for a course, a course's for a module)."""
    return page_path[: -Page.steplen]


def has_unpublished_ancestor(page: Page) -> bool:
    """One query. The tree root (depth 1) is never live and does not count."""
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


class CoursePage(StaffOnlyPageMixin, Page):
    summary = models.TextField(_("summary"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=30)
    annual = models.BooleanField(
        _("annual course"),
        default=False,
        help_text=_("Must be completed again every fiscal year (e.g. information security)."),
    )
    skill_areas = ParentalManyToManyField(
        "assessments.SkillArea",
        verbose_name=_("skill areas"),
        blank=True,
        related_name="courses",
        help_text=_("Areas this course builds; learners below the target level are pointed here."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("annual"),
        FieldPanel("skill_areas", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [
        *with_bigram_title(Page.search_fields),
        index.SearchField("summary"),
        index.SearchField("search_bigrams"),
    ]
    parent_page_types = ["courses.TrackPage"]
    subpage_types = ["courses.ModulePage"]
    template = "courses/course_page.html"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

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

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("last_reviewed_on"), FieldPanel("content_owner")],
            heading=_("Content freshness"),
        ),
    ]
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


def cycle_for(*, annual: bool, fiscal_year: int) -> int:
    return fiscal_year if annual else ModuleCompletion.ONCE
