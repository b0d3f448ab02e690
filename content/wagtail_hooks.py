from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import GlossaryTerm


class GlossaryTermViewSet(SnippetViewSet):
    model = GlossaryTerm
    icon = "help"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["term", "reading"]
    search_fields = ["term", "reading", "definition"]


register_snippet(GlossaryTermViewSet)
