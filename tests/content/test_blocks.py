import pytest
from wagtail.blocks import StructBlockValidationError

from content.blocks import BaseStreamBlock, MarkdownBlock, VideoBlock


def test_markdown_block_renders_sanitised_html():
    html = MarkdownBlock().render("**太字**<script>x()</script>")

    assert "<strong>太字</strong>" in html
    assert "<script" not in html


@pytest.mark.parametrize("value", [{}, {"file": None, "embed": None}])
def test_video_block_needs_a_file_or_an_embed(value):
    block = VideoBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python(value))


def test_every_block_describes_itself_for_the_block_picker():
    for name, block in BaseStreamBlock().child_blocks.items():
        assert block.meta.icon, name
        assert block.meta.description, name
