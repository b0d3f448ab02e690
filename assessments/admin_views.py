"""Item analysis in the Wagtail admin: which questions need fixing."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import ModelLogEntry

from .authoring import log_entries_not_authorable, questions_for
from .selectors import question_statistics

LOW_DISCRIMINATION = 0.2
EXTREME_FACILITY = (0.2, 0.95)

# Whose attempts the statistics count. Each function registered under this hook name
# takes the request and returns a queryset of user ids; only attempts by people in all
# of them count. lms registers one (the people of the editor's towns, lms/wagtail_hooks.py);
# assessments itself knows no towns, so with none registered every attempt counts.
ITEM_ANALYSIS_LEARNERS_HOOK = "shinka_item_analysis_learners"


def item_analysis(request):
    if not request.user.has_perm("assessments.change_question"):
        raise PermissionDenied
    learners = [scope(request) for scope in hooks.get_hooks(ITEM_ANALYSIS_LEARNERS_HOOK)]
    statistics = question_statistics(learners=learners)
    # Only the questions the viewer authors: skill-check questions stay hidden from those
    # who take skill checks.
    questions = (
        questions_for(request.user).select_related("bank", "area").order_by("bank__title", "id")
    )
    rows = []
    for question in questions:
        stats = statistics.get(question.id)
        flags = []
        if stats and stats.discrimination is not None and stats.discrimination < LOW_DISCRIMINATION:
            flags.append(_("Low discrimination"))
        if stats and not EXTREME_FACILITY[0] <= stats.facility <= EXTREME_FACILITY[1]:
            flags.append(_("Very easy or very hard"))
        rows.append({"question": question, "stats": stats, "flags": flags})
    return render(
        request,
        "assessments/admin/item_analysis.html",
        {"rows": rows, "header_title": _("Question statistics")},
    )


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history (Reports → サイト履歴, and its CSV/XLSX export) without the
    entries of banks, questions and quizzes the reader may not author: a DX promotion
    leader never reads a skill-check question's label there. Mounted over Wagtail's own
    URL in ``config/urls.py``."""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if queryset.model is ModelLogEntry:
            queryset = queryset.exclude(log_entries_not_authorable(self.request.user))
        return queryset
