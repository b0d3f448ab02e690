"""The learners' search: tracks, courses and modules a person may read, and the glossary.

Through Wagtail's search framework (``content.search_backend``): the pages' index entries
hold the bigram tokens of their text (``search_bigrams``, the titles' in the title
column), and a query asks for every token of its words (``content.search``), so 「セキュリティ」
finds 「情報セキュリティの基本」 on SQLite and PostgreSQL alike. Results are ranked by the
backend (a match in the title above one in the text) and shown with the passage around the
first match.

courses knows no towns: which pages a searcher may see is asked of lms through the hook
``LEARNER_PAGES_SCOPE_HOOK`` (a function of the request returning a ``Q`` over page paths;
lms registers the searcher's own towns). Without one registered, nothing is found: a
search never shows pages no one has scoped. Only live pages without an unpublished
ancestor are found, never drafts, and none behind a Wagtail privacy setting (on the page or
above it) that the searcher does not pass without a form: a login-only setting passes, a
groups setting passes its groups' members, a password never does (the search cannot ask for
it, and would otherwise quote the page's text).

Query counts do not grow with the number of pages: the count, the page of results, the
specific pages (one query per page type), their tracks and courses, and the glossary.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils.safestring import SafeString
from wagtail import hooks
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from content.models import GlossaryTerm
from content.search import MAX_QUERY_CHARACTERS, first_match, highlight, query_tokens

from .models import CoursePage, ModulePage, TrackPage, parent_path

LEARNER_PAGES_SCOPE_HOOK = "shinka_learner_pages_in_scope"

RESULTS_PER_PAGE = 20
GLOSSARY_RESULTS = 5


@dataclass
class PageHit:
    page: Page
    kind: str  # "track", "course" or "module"
    passage: SafeString
    title: SafeString
    trail: list[str] = field(default_factory=list)  # the track (and course) it belongs to


@dataclass
class GlossaryHit:
    term: GlossaryTerm
    title: SafeString
    passage: SafeString


@dataclass
class SearchPage:
    query: str
    searched: bool = False
    too_short: bool = False
    results: PaginatorPage | None = None
    hits: list[PageHit] = field(default_factory=list)
    glossary: list[GlossaryHit] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.results.paginator.count if self.results is not None else 0


def clean_query(raw: str) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_CHARACTERS]


def visible_pages(scope: Q, *, user=None):
    """Live tracks, courses and modules matching ``scope``, without an unpublished ancestor
    and without a privacy setting (on them or above them) that ``user`` does not pass."""
    unpublished_ancestor = (
        Page.objects.filter(depth__gt=1, live=False)
        .annotate(page_path=ExpressionWrapper(OuterRef("path"), output_field=CharField()))
        .filter(page_path__startswith=F("path"))
    )
    closed = PageViewRestriction.objects.exclude(pk__in=_passed_restrictions(user)).annotate(
        page_path=ExpressionWrapper(OuterRef("path"), output_field=CharField())
    )
    return (
        Page.objects.live()
        .type(TrackPage, CoursePage, ModulePage)
        .filter(scope)
        .filter(~Exists(unpublished_ancestor))
        .filter(~Exists(closed.filter(page_path__startswith=F("page__path"))))
    )


def _passed_restrictions(user):
    """The privacy settings ``user`` passes without a form, as Wagtail's
    ``BaseViewRestriction.accept_request`` decides them for a signed-in person."""
    passed = Q(restriction_type=PageViewRestriction.LOGIN)
    if user is not None and user.is_superuser:
        passed |= Q(restriction_type=PageViewRestriction.GROUPS)
    elif user is not None:
        passed |= Q(
            restriction_type=PageViewRestriction.GROUPS,
            groups__in=user.groups.values("pk"),
        )
    return PageViewRestriction.objects.filter(passed).values("pk")


def scope_for(request) -> Q:
    scopes = [scope(request) for scope in hooks.get_hooks(LEARNER_PAGES_SCOPE_HOOK)]
    if not scopes:
        return Q(pk__in=[])
    combined = scopes[0]
    for scope in scopes[1:]:
        combined &= scope
    return combined


def search_pages(*, query: str, scope: Q, page_number=1, user=None):
    """The pages (a paginator page of base ``Page`` objects) matching every token of
    ``query`` within ``scope`` that ``user`` may read, best first; None when the query has
    no word."""
    backend = get_search_backend()
    candidates = Page.objects.filter(pk__in=visible_pages(scope, user=user).values("pk"))
    results = backend.search_tokens(query, candidates)
    if results is None:
        return None
    return Paginator(results, RESULTS_PER_PAGE).get_page(page_number)


def search_glossary(*, query: str) -> list[GlossaryTerm]:
    results = get_search_backend().search_tokens(query, GlossaryTerm.objects.all())
    return list(results[:GLOSSARY_RESULTS]) if results is not None else []


def _passage(texts: list[str], query: str) -> SafeString:
    for text in texts:
        if first_match(text, query) is not None:
            return highlight(text, query)
    return highlight(texts[0], query) if texts else SafeString("")


KINDS = {TrackPage: "track", CoursePage: "course", ModulePage: "module"}


def search_for_learner(*, request, query: str, page_number=1) -> SearchPage:
    """Everything the search page shows, in a fixed number of queries."""
    query = clean_query(query)
    outcome = SearchPage(query=query)
    if not query:
        return outcome
    if not query_tokens(query):
        outcome.too_short = True
        return outcome
    outcome.searched = True
    outcome.results = search_pages(
        query=query, scope=scope_for(request), page_number=page_number, user=request.user
    )
    found = list(outcome.results.object_list)
    if found:
        specific = {
            page.pk: page for page in Page.objects.filter(pk__in=[p.pk for p in found]).specific()
        }
        ancestors = {
            page.path: page.title
            for page in Page.objects.filter(
                path__in={
                    ancestor
                    for p in found
                    for ancestor in (parent_path(p.path), parent_path(parent_path(p.path)))
                }
            ).only("path", "title")
        }
        for hit in found:
            page = specific.get(hit.pk)
            if page is None:
                continue
            kind = KINDS.get(type(page), "module")
            trail = []
            if kind == "module":
                trail = [
                    ancestors.get(parent_path(parent_path(page.path))),
                    ancestors.get(parent_path(page.path)),
                ]
            elif kind == "course":
                trail = [ancestors.get(parent_path(page.path))]
            outcome.hits.append(
                PageHit(
                    page=page,
                    kind=kind,
                    title=highlight(page.title, query, width=200),
                    passage=_passage(page.search_passages(), query),
                    trail=[title for title in trail if title],
                )
            )
    if outcome.results.number == 1:
        outcome.glossary = [
            GlossaryHit(
                term=term,
                title=highlight(term.term, query, width=100),
                passage=highlight(term.definition, query),
            )
            for term in search_glossary(query=query)
        ]
    return outcome
