"""StreamField blocks for learning content. Presentation only: anything that is
scored or counted (quizzes, completions) is a model placed by a chooser block."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from .markdown import render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Markdown source, rendered and sanitised on output."""

    def render_basic(self, value, context=None):
        return render_markdown(value)

    @cached_property
    def field(self):
        field = super().field
        # Wagtail renders a block that is a direct child of the stream without a <label>
        # (the panel heading shows the block type), so the textarea needs its own name.
        field.widget.attrs.update(
            {
                "class": "shinka-markdown",
                "rows": 12,
                "aria-label": _("Markdown text"),
                "data-preview-label": _("Preview"),
            }
        )
        return field

    class Meta:
        icon = "code"
        label = _("Markdown")
        description = _("Text written in Markdown: headings, lists, tables and links.")
        preview_value = (
            "## 見出し\n\n- 箇条書き\n- **強調**\n\n| 項目 | 内容 |\n|---|---|\n| 例 | 説明 |"
        )
        form_classname = "shinka-markdown-block"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[("point", _("Key point")), ("caution", _("Caution"))],
        default="point",
    )
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "pick"
        label = _("Callout")
        template = "content/blocks/callout.html"
        description = _("A highlighted box for a key point (ポイント) or a caution (注意).")
        preview_value = {"kind": "point", "text": "<p>大切なことを短くまとめます。</p>"}


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "content/blocks/figure.html"
        description = _("An image from the image library, with alternative text and a caption.")


def video_url_allowed(url: str) -> bool:
    """Whether a video URL is on one of the town's own video servers (SHINKA_VIDEO_ORIGINS)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower() in settings.SHINKA_VIDEO_ORIGINS


class InternalVideoURLBlock(blocks.URLBlock):
    """The address of a video file on the town's own video server, played by the browser.

    Nothing is fetched by the server (no oEmbed: closed networks reach no other host), and
    only the servers listed in SHINKA_VIDEO_ORIGINS are accepted, which the content security
    policy allows as media sources too.
    """

    def clean(self, value):
        value = super().clean(value)
        if value and not video_url_allowed(value):
            raise forms.ValidationError(
                _(
                    "Videos from outside the town's network cannot be played here. Upload the "
                    "video file to the document library, or use the town's own video server."
                )
            )
        return value


class VideoBlock(blocks.StructBlock):
    """A video uploaded to the document library, or a file on the town's video server.

    The second child keeps its name ``embed`` so that addresses saved before oEmbed was
    switched off are still there (shown as a notice, not played, when their server is not
    allowed).
    """

    file = DocumentChooserBlock(
        label=_("uploaded video file"), required=False, help_text=_("An MP4 or WebM document.")
    )
    embed = InternalVideoURLBlock(
        label=_("video file on the town's video server"),
        required=False,
        help_text=_("The address of an MP4 or WebM file on the town's own video server."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)
    transcript = blocks.TextBlock(
        label=_("transcript"),
        required=False,
        help_text=_("Text of what is said in the video, for staff who cannot play sound."),
    )

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("file")) == bool(value.get("embed")):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "file": forms.ValidationError(
                        _("Choose either an uploaded file or a video on the town's server.")
                    )
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["url_playable"] = video_url_allowed(value.get("embed"))
        return context

    class Meta:
        icon = "media"
        label = _("Video")
        template = "content/blocks/video.html"
        description = _("A video from the document library or from the town's video server.")


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    label = blocks.CharBlock(label=_("link text"), required=False, max_length=100)

    class Meta:
        icon = "doc-full"
        label = _("Download")
        template = "content/blocks/download.html"
        description = _("A document staff can download, such as a manual or a form.")


class GlossaryTermBlock(blocks.StructBlock):
    term = SnippetChooserBlock("content.GlossaryTerm", label=_("term"))

    class Meta:
        icon = "help"
        label = _("Glossary term")
        template = "content/blocks/glossary_term.html"
        description = _("Shows a term from the glossary with its definition.")


class BaseStreamBlock(blocks.StreamBlock):
    markdown = MarkdownBlock()
    rich_text = blocks.RichTextBlock(
        label=_("Rich text"),
        icon="pilcrow",
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"],
        description=_("Formatted text written in the editor."),
        preview_value="<p>本文を書きます。</p>",
    )
    callout = CalloutBlock()
    image = FigureBlock()
    video = VideoBlock()
    download = DownloadBlock()
    glossary_term = GlossaryTermBlock()
