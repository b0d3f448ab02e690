"""docs/japanese.md, checked: full-width colons and brackets in our Japanese, one term per
concept, and our catalogues winning over Django's, Wagtail's and allauth's own."""

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "locale/ja/LC_MESSAGES/django.po",
    ROOT / "locale/wagtail/ja/LC_MESSAGES/django.po",
]
# Half-width marks are fine in placeholders, HTML tags, code examples and URLs.
PLACEHOLDERS = re.compile(
    r"<[^>]*>|%\([a-z_]+\)[sd]|%%|https?://\S+|\{\{[^}]*\}\}|\{'[a-z_]+': \d\}|「[^」]*」"
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
AVOIDED = ["サインイン", "サインアウト", "多要素認証", "調整のために"]


def _translations(path):
    text = path.read_text(encoding="utf-8")
    for entry in text.split("\n\n"):
        for block in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry, re.M):
            yield "".join(re.findall(r'"(.*)"', block))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.parent.name)
def test_our_japanese_uses_full_width_colons_and_brackets(path):
    offending = [
        text
        for text in _translations(path)
        if JAPANESE.search(text) and re.search(r"[:()]", PLACEHOLDERS.sub("", text))
    ]
    assert offending == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.parent.name)
def test_one_term_per_concept(path):
    offending = [text for text in _translations(path) if any(w in text for w in AVOIDED)]
    assert offending == []


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        # Wagtail's own ja says 「調整のために提出されました」.
        (
            "Page '%(page_title)s' has been submitted for moderation.",
            "ページ「%(page_title)s」を承認の依頼に出しました。",
        ),
        # Wagtail's own ja says 「除去されました」 (removed) for a move.
        ("Page '%(page_title)s' moved.", "ページ「%(page_title)s」を移動しました。"),
        # allauth's own ja says 多要素認証.
        ("Two-Factor Authentication", "二段階認証"),
    ],
)
def test_our_catalogues_win_over_the_libraries(msgid, expected):
    with translation.override("ja"):
        assert translation.gettext(msgid) == expected
