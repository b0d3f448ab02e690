from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.staticfiles import versioned_static
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import views
from .models import GlossaryTerm


class GlossaryTermViewSet(SnippetViewSet):
    model = GlossaryTerm
    icon = "help"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["term", "reading"]
    search_fields = ["term", "reading", "definition"]


register_snippet(GlossaryTermViewSet)


@hooks.register("register_admin_urls")
def register_authoring_urls():
    return [
        path("markdown-preview/", views.markdown_preview, name="markdown_preview"),
        path("authoring-guide/", views.authoring_guide, name="authoring_guide"),
    ]


@hooks.register("insert_editor_js")
def markdown_preview_js():
    return format_html(
        '<script src="{}" data-endpoint="{}"></script>',
        static("content/js/markdown_preview.js"),
        reverse("markdown_preview"),
    )


@hooks.register("insert_global_admin_css")
def admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("content/css/admin.css"))


class AuthoringGuidePanel(Component):
    name = "authoring_guide"
    order = 50

    def render_html(self, parent_context=None):
        return format_html(
            '<section class="panel w-mb-8"><h2>{}</h2>'
            '<p><a class="button" href="{}">{}</a></p></section>',
            _("Writing learning content"),
            reverse("authoring_guide"),
            _("Open the authoring guide"),
        )


@hooks.register("construct_homepage_panels")
def add_authoring_guide_panel(request, panels):
    panels.insert(0, AuthoringGuidePanel())


DOCUMENT_READERS_HOOK = "shinka_document_readable"


@hooks.register("before_serve_document")
def documents_need_sign_in(document, request):
    """Documents are for signed-in staff, whatever the collection's privacy setting says.

    The root collection's "login" restriction (migration 0002) shows the rule in the admin;
    this keeps it when someone changes that setting. Wagtail then checks the collection's
    own restrictions (password, groups) as well.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    # Whose documents a person may read is the town's rule (lms registers it): a document
    # in another town's collection is not found.
    for readable in hooks.get_hooks(DOCUMENT_READERS_HOOK):
        if not readable(request.user, document):
            raise Http404
    return None


@hooks.register("get_avatar_url")
def no_profile_pictures(user, size):
    """Everyone shows Wagtail's default picture: a photo of a member of staff is personal
    data, and /media/avatar_images/ has no URL (only image renditions are public)."""
    return versioned_static("wagtailadmin/images/default-user-avatar.png")
