"""Normalisation, tokens and passages of the Japanese search (content/search.py), as tables."""

import unicodedata

import pytest

from content.search import highlight, index_tokens, normalise, query_tokens, words


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("ｾｷｭﾘﾃｨ", "せきゅりてぃ"),  # half-width katakana
        ("セキュリティ", "せきゅりてぃ"),
        ("ｶﾞｲﾄﾞﾗｲﾝ", "がいどらいん"),  # a voiced mark written apart joins its letter
        ("生成ＡＩ", "生成ai"),  # full-width letters
        ("ＤＸ推進", "dx推進"),
        ("１２３", "123"),
        ("データ", "でーた"),
    ],
)
def test_normalisation(written, normalised):
    assert normalise(written) == normalised


def test_punctuation_and_spaces_split_words():
    assert words("情報・セキュリティ、基本 です。") == ["情報", "せきゅりてぃ", "基本", "です"]


def test_every_query_token_of_a_word_inside_the_text_is_in_the_text():
    text = set(index_tokens("職員の情報セキュリティの基本を学びます。").split())

    for query in ("セキュリティ", "ｾｷｭﾘﾃｨ", "せきゅりてぃ", "基本", "の", "情報セキュリティ"):
        assert set(query_tokens(query)) <= text, query
    assert not set(query_tokens("セキュリテイ")) <= text  # a different word (イ, not ィ)


def test_tokens_are_consonant_letters_only_and_bigrams_twice_as_long_as_single_characters():
    tokens = index_tokens("申請").split()

    assert all(set(token) <= set("bcfhjkmnpqrtvwxz") for token in tokens)
    assert sorted(len(token) for token in tokens) == [6, 6, 12]


def test_a_query_is_the_bigrams_of_its_words_and_a_single_character_itself():
    # Expected tokens written out independently: six hex digits per character, 0-f → b…z.
    def token(characters):
        table = str.maketrans("0123456789abcdef", "bcfhjkmnpqrtvwxz")
        return "".join(f"{ord(c):06x}" for c in characters).translate(table)

    assert query_tokens("生成AI") == [token("生成"), token("成a"), token("ai")]
    assert query_tokens("申 請") == [token("申"), token("請")]
    assert query_tokens("！？") == []


def test_the_passage_marks_every_match_in_the_original_text_and_escapes_the_rest():
    passage = str(highlight("<b>ｾｷｭﾘﾃｨ</b> と セキュリティ & 安全", "せきゅりてぃ"))

    assert passage == (
        "&lt;b&gt;<mark>ｾｷｭﾘﾃｨ</mark>&lt;/b&gt; と <mark>セキュリティ</mark> &amp; 安全"
    )


def test_the_passage_is_cut_around_the_first_match():
    text = "前置き" * 40 + "申請の手順" + "後書き" * 40
    passage = str(highlight(text, "申請", width=60, before=10))

    assert passage.startswith("…") and passage.endswith("…")
    assert "<mark>申請</mark>の手順" in passage
    shown = passage.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert len(shown) == 60 and shown in text


def test_a_voiced_mark_written_apart_is_marked_with_its_letter():
    text = "ｶﾞｲﾄﾞﾗｲﾝ"
    assert unicodedata.normalize("NFKC", text) == "ガイドライン"

    assert str(highlight(text, "ガイド")) == "<mark>ｶﾞｲﾄﾞ</mark>ﾗｲﾝ"
