"""Japanese text for the search index: normalisation, n-gram tokens and highlighted passages.

Japanese has no spaces, so a database's word splitter sees 「情報セキュリティの基本」 as one
word and 「セキュリティ」 never finds it. We index, next to the text, the *bigrams* of its
normalised form (every two neighbouring characters of a run of letters and digits, and
every single character), and search with the bigrams of the query, all of which must be
there (AND). Normalisation, the same for text and query:

- NFKC (half-width katakana ｾｷｭﾘﾃｨ → セキュリティ, full-width ＡＢＣ１ → ABC1), with a voiced
  mark that NFKC leaves apart (ｶﾞ) joined to its letter;
- lower case (casefold);
- katakana folded to hiragana (セキュリティ and せきゅりてぃ match).

Each token is written in 16 consonant letters only (the hexadecimal code points, 0 → b, 1
→ c …), so that SQLite's FTS5 tokenizer and PostgreSQL's parser and dictionaries (the
'english' stemmer and its stop words as much as 'simple') read it as one word, unchanged:
the two databases decide the same matches. A bigram is 12 letters, a single character 6.

The snippet (``highlight``) is cut from the original text around the first match, escaped,
with every match wrapped in <mark>.
"""

import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from wagtail.search import index

# 16 letters that no English stemming rule or stop word touches (no vowels, no s, d, g, l, y).
_LETTERS = "bcfhjkmnpqrtvwxz"
_HEX_TO_LETTER = str.maketrans("0123456789abcdef", _LETTERS)
TOKEN_ALPHABET = frozenset(_LETTERS)

# The longest query that is turned into tokens (the admin middleware cuts searches at 200).
MAX_QUERY_CHARACTERS = 100

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _fold(character: str) -> str:
    return character.casefold().translate(_KATAKANA_TO_HIRAGANA)


def _is_word_character(character: str) -> bool:
    """Letters, digits and marks (ー and 々 are letters); spaces and punctuation split runs."""
    return unicodedata.category(character)[0] in "LNM"


@dataclass(frozen=True)
class Normalised:
    """Normalised text and, for each of its characters, the span of original text it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def normalise_with_spans(original: str) -> Normalised:
    """The normalised form of ``original``, character by character, keeping where each came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for position, character in enumerate(original):
        piece = unicodedata.normalize("NFKC", character)
        if piece and out and unicodedata.combining(piece[0]):
            # A voiced mark written apart (ｶﾞ → カ + ゛): join it to the letter before.
            composed = unicodedata.normalize("NFC", out[-1] + _fold(piece[0]))
            if len(composed) == 1:
                out[-1] = composed
                ends[-1] = position + 1
                piece = piece[1:]
        for part in piece:
            out.append(_fold(part))
            starts.append(position)
            ends.append(position + 1)
    return Normalised("".join(out), tuple(starts), tuple(ends))


def normalise(text: str) -> str:
    return normalise_with_spans(text or "").text


def words(text: str) -> list[str]:
    """The runs of letters and digits of the normalised text."""
    runs, current = [], []
    for character in normalise(text):
        if _is_word_character(character):
            current.append(character)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _token(characters: str) -> str:
    return "".join(f"{ord(character):06x}" for character in characters).translate(_HEX_TO_LETTER)


def index_tokens(*texts: str) -> str:
    """What the index holds for ``texts``: the bigram and single-character tokens of every
    run, each once per run, separated by spaces."""
    tokens: list[str] = []
    for text in texts:
        for run in words(text):
            seen = set()
            for size in (1, 2):
                for start in range(len(run) - size + 1):
                    gram = run[start : start + size]
                    if gram not in seen:
                        seen.add(gram)
                        tokens.append(_token(gram))
    return " ".join(tokens)


def query_tokens(query: str) -> list[str]:
    """The tokens a page must hold to match ``query``: the bigrams of each of its words (a
    word of one character: that character), without repeats, in order."""
    tokens: list[str] = []
    for run in words((query or "")[:MAX_QUERY_CHARACTERS]):
        grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        for gram in grams:
            token = _token(gram)
            if token not in tokens:
                tokens.append(token)
    return tokens


def looks_like_tokens(text: str) -> bool:
    return bool(text) and set(text) <= TOKEN_ALPHABET | {" "}


# --- The passage shown with a result -------------------------------------------------------


def _match_spans(normalised: Normalised, query: str) -> list[tuple[int, int]]:
    """Spans of the original text where a word of the query occurs (normalised), merged."""
    found = []
    for word in words(query[:MAX_QUERY_CHARACTERS]):
        start = normalised.text.find(word)
        while start != -1:
            end = start + len(word)
            found.append((normalised.starts[start], normalised.ends[end - 1]))
            start = normalised.text.find(word, end)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def first_match(text: str, query: str) -> int | None:
    """Where in ``text`` (original characters) a word of the query first occurs, or None."""
    spans = _match_spans(normalise_with_spans(text or ""), query)
    return spans[0][0] if spans else None


def highlight(text: str, query: str, *, width: int = 120, before: int = 30) -> SafeString:
    """About ``width`` characters of ``text`` around the first match, escaped, with each match
    in <mark>; the beginning of the text when no word of the query occurs as written."""
    text = " ".join((text or "").split())
    spans = _match_spans(normalise_with_spans(text), query)
    start = max(0, spans[0][0] - before) if spans else 0
    end = min(len(text), start + width)
    if spans and spans[0][1] > end:
        end = spans[0][1]
    pieces = ["…" if start > 0 else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        pieces.append(escape(text[cursor:span_start]))
        pieces.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above


# --- Index fields ---------------------------------------------------------------------------


class BigramSearchField(index.SearchField):
    """A search field whose indexed value is the tokens of a field's text. Named after the
    field ("title"), it lands in Wagtail's title column, weighted above the body, beside the
    title itself (the model's own SearchField of it stays, as Wagtail's checks expect)."""

    def get_value(self, obj):
        value = super().get_value(obj)
        return index_tokens(value if isinstance(value, str) else str(value or ""))


class BigramAutocompleteField(index.AutocompleteField):
    """The same for the autocomplete column, which Wagtail's admin searches."""

    def get_value(self, obj):
        value = super().get_value(obj)
        return index_tokens(value if isinstance(value, str) else str(value or ""))


def with_bigram_title(search_fields) -> list:
    """``search_fields`` (e.g. ``Page.search_fields``, kept as they are) and the tokens of
    the title in the title and autocomplete columns."""
    boost = next(
        (
            f.boost
            for f in search_fields
            if type(f) is index.SearchField and f.field_name == "title"
        ),
        None,
    )
    return [
        *search_fields,
        BigramSearchField("title", boost=boost),
        BigramAutocompleteField("title"),
    ]
