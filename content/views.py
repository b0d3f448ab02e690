from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .markdown import render_markdown

PREVIEW_LIMIT = 100_000


@require_POST
def markdown_preview(request):
    """Sanitised HTML of the Markdown an author is typing (admin only: mounted under /admin/)."""
    source = request.POST.get("source", "")[:PREVIEW_LIMIT]
    return JsonResponse({"html": str(render_markdown(source))})


def authoring_guide(request):
    return render(request, "content/admin/authoring_guide.html")
