"""Wagtail's database search backend, with words inside Japanese text found.

``WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] = "content.search_backend"``: the database
backend Wagtail picks for the database in use (SQLite FTS5, PostgreSQL full text), with
each text query ``q`` asked as "``q`` as the database splits it, OR every bigram token of
``q``" (``content.search``). Models whose search fields hold tokens (``BigramSearchField``,
``BigramAutocompleteField``, a ``search_bigrams`` method) are then found by any word
inside their Japanese text, in Wagtail's admin search too; other models (images,
documents, users) are searched as before.

A prefecture that moves to OpenSearch or Elasticsearch does not need this: see
docs/search.md.
"""

from functools import cache

from django.db.models import FloatField, Func
from wagtail.search.backends.database import SearchBackend as database_backend
from wagtail.search.query import And, Not, Or, Phrase, PlainText

from .search import query_tokens


def japanese_query(query, operator=None):
    """``query`` (a string) as "the words as written OR all of its tokens"; other queries
    as given."""
    if not isinstance(query, str):
        return query
    tokens = query_tokens(query)
    if not tokens:
        return query
    as_written = PlainText(query, operator=operator or "and")
    return Or([as_written, And([PlainText(token) for token in tokens])])


class JapaneseQueries:
    """Mixed into the database backend Wagtail chose."""

    def search(self, query, model_or_queryset, fields=None, operator=None, **kwargs):
        return super().search(
            japanese_query(query, operator), model_or_queryset, fields=fields, **kwargs
        )

    def autocomplete(self, query, model_or_queryset, fields=None, operator=None, **kwargs):
        return super().autocomplete(
            japanese_query(query, operator), model_or_queryset, fields=fields, **kwargs
        )

    def search_tokens(self, query, model_or_queryset, **kwargs):
        """Only the tokens of ``query`` (every one of them): the learners' search."""
        tokens = query_tokens(query)
        if not tokens:
            return None
        return super().search(
            PlainText(" ".join(tokens), operator="and"), model_or_queryset, **kwargs
        )


# SQLite's bm25() weighs its columns (autocomplete, body, title) alike unless told; on
# PostgreSQL the title's weight follows its boost (title 2, the rest none). A match in the
# title counts this many times one in the body on SQLite, so both rank a title match first.
SQLITE_COLUMN_WEIGHTS = (0.0, 1.0, 4.0)


class TitleWeightedBM25(Func):
    output_field = FloatField()

    def as_sql(self, compiler, connection, function=None, template=None):
        from wagtail.search.models import SQLiteFTSIndexEntry

        weights = ", ".join(str(weight) for weight in SQLITE_COLUMN_WEIGHTS)
        return f"bm25({SQLiteFTSIndexEntry._meta.db_table}, {weights})", []


def _title_weighted(compiler_class):
    class TitleWeightedCompiler(compiler_class):
        def get_search_vectors(self):
            # One weighted bm25() over the row (not Wagtail's bm25 × title_norm + bm25, which
            # ranks every short title first, wherever the match is).
            return [(None, 1.0)]

        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, (Phrase, PlainText, Not)):
                rank = TitleWeightedBM25()
                return rank * boost if boost != 1.0 else rank
            return super().build_tsrank(vector, query, config=config, boost=boost)

    return TitleWeightedCompiler


@cache
def _with_japanese_queries(backend_class):
    attributes = {}
    if backend_class.__name__ == "SQLiteSearchBackend":
        attributes["query_compiler_class"] = _title_weighted(backend_class.query_compiler_class)
    return type(f"Japanese{backend_class.__name__}", (JapaneseQueries, backend_class), attributes)


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks for in a backend module
    chosen = type(database_backend(dict(params)))
    return _with_japanese_queries(chosen)(params)
