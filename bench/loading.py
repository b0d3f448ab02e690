"""Fast bulk loading: PostgreSQL ``COPY … FROM STDIN``, ``executemany`` elsewhere.

Rows are plain tuples in the order of ``columns``; ids are returned by neither
path, so callers assign primary keys themselves (``next_ids``) and reset the
sequences afterwards (``reset_sequences``).
"""

import json
from collections.abc import Iterable
from itertools import islice

from django.core.management.color import no_style
from django.db import connection

BATCH = 10_000


def bulk_load(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` into ``model``'s table; returns how many."""
    table = connection.ops.quote_name(model._meta.db_table)
    fields = [model._meta.get_field(column) for column in columns]
    quoted = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
            raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
                    count += 1
            return count
        # Elsewhere (SQLite, small sizes) each value goes through its field, as the ORM would.
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                    for row in batch
                ],
            )
            count += len(batch)
    return count


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
