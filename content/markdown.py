"""Markdown for authors, rendered to HTML that is safe to show learners.

Authors are trusted to write content, not script: every rendering goes
through an allow-list sanitiser (nh3), so raw HTML, event handlers and
``javascript:`` links written into Markdown never reach a browser.
"""

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

EXTENSIONS = ["tables", "fenced_code", "sane_lists"]

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope"},
    "td": set(),
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


LIBRARY_IMAGE = re.compile(r'src="image:(\d+)"')
LIBRARY_IMAGE_RENDITION = "max-960x720"


def _library_images(html: str) -> str:
    """``![alt](image:42)`` points at image 42 of the Wagtail image library. One query."""
    ids = {int(found) for found in LIBRARY_IMAGE.findall(html)}
    if not ids:
        return html
    from wagtail.images import get_image_model

    images = get_image_model().objects.in_bulk(ids)

    def url(match):
        image = images.get(int(match.group(1)))
        if image is None:
            return 'src=""'
        return f'src="{image.get_rendition(LIBRARY_IMAGE_RENDITION).url}"'

    return LIBRARY_IMAGE.sub(url, html)


def render_markdown(source: str) -> SafeString:
    html = markdown_lib.markdown(source or "", extensions=EXTENSIONS, output_format="html")
    # A level-1 heading would compete with the page title; demote it.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = _library_images(html)
    return mark_safe(sanitize_html(html))  # noqa: S308 - sanitised on the line above
