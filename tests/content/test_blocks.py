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


TOWN_VIDEO = "https://video.town.example.jp/kensyu/01.mp4"


def test_a_video_on_the_towns_own_server_is_played_by_the_browser(settings):
    settings.SHINKA_VIDEO_ORIGINS = ["https://video.town.example.jp"]
    block = VideoBlock()

    value = block.clean(block.to_python({"embed": TOWN_VIDEO}))
    html = block.render(value)

    assert f'<video controls preload="metadata" src="{TOWN_VIDEO}">' in html


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "http://video.town.example.jp/kensyu/01.mp4",  # another scheme is another origin
        "https://video.town.example.jp.evil.example/01.mp4",
    ],
)
def test_a_video_from_any_other_server_is_refused_with_a_message(settings, url):
    settings.SHINKA_VIDEO_ORIGINS = ["https://video.town.example.jp"]
    block = VideoBlock()

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(block.to_python({"embed": url}))

    assert "庁外のネットワークにある動画" in str(refused.value.block_errors["embed"])


def test_a_glossary_term_in_kana_is_not_followed_by_the_same_reading():
    from django.template.loader import render_to_string

    from content.models import GlossaryTerm

    def shown(term, reading):
        value = {"term": GlossaryTerm(term=term, reading=reading, definition="説明です。")}
        return render_to_string("content/blocks/glossary_term.html", {"value": value})

    assert "（ローコード）" not in shown("ローコード", "ローコード")
    assert "（ろーこーど）" not in shown("ローコード", "ろーこーど")  # the same, in hiragana
    assert "（ぴったりさーびす）" not in shown("ぴったりサービス", "ぴったりさーびす")
    assert "（せいせいエーアイ）" in shown("生成AI", "せいせいエーアイ")
    assert "（" not in shown("DX", "")
