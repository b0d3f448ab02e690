from pathlib import Path

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import static
from django.views.decorators.http import require_POST
from wagtail.admin.auth import user_has_any_page_permission

from .markdown import render_markdown

PREVIEW_LIMIT = 100_000
# The one folder of MEDIA_ROOT that is public: Wagtail's renditions of library images
# (illustrations and screenshots for learning pages, no personal data). Originals,
# documents and people's profile pictures (avatar_images) are never served from /media/.
PUBLIC_MEDIA_FOLDER = "images"


def is_author(user) -> bool:
    """Who writes learning content: page editors (DX leaders of their tracks, IT policy,
    administrators) and whoever may edit the glossary (DX leaders, IT policy)."""
    return user.is_active and (
        user_has_any_page_permission(user) or user.has_perm("content.change_glossaryterm")
    )


@require_POST
def markdown_preview(request):
    """Sanitised HTML of the Markdown an author is typing (mounted under /admin/, authors only)."""
    if not is_author(request.user):
        return JsonResponse(
            {"error": _("Only authors of learning content may preview.")}, status=403
        )
    source = request.POST.get("source", "")[:PREVIEW_LIMIT]
    return JsonResponse({"html": str(render_markdown(source))})


def authoring_guide(request):
    return render(request, "content/admin/authoring_guide.html")


def public_media(request, path):
    """Renditions of library images under ``make run`` (DEBUG); in production the reverse
    proxy serves that folder itself (README, "Files") and this answers 404."""
    if not settings.DEBUG:
        raise Http404
    return static.serve(
        request, path, document_root=Path(settings.MEDIA_ROOT) / PUBLIC_MEDIA_FOLDER
    )
