"""Fast bulk inserts for rows whose ids nobody needs back (invoices, audit rows).

``Model.objects.bulk_create`` builds a model instance per row and prepares every value
through the field, which dominates a 100,000-row import. ``bulk_insert`` takes plain tuples,
prepares each column once by field type, and sends them with ``executemany`` (SQLite) or
``COPY … FROM STDIN`` (PostgreSQL, through psycopg 3). Columns are named explicitly; the
database still checks every constraint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connections, models, router

Converter = Callable[[Any], Any]


def _converter(field: models.Field[Any, Any], vendor: str, connection: Any) -> Converter | None:
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if isinstance(field, models.DateTimeField):
        if vendor == "sqlite":
            return _repeat_cached(connection.ops.adapt_datetimefield_value)
        return None
    if isinstance(
        field,
        models.CharField
        | models.TextField
        | models.IntegerField
        | models.DecimalField
        | models.DateField
        | models.BooleanField
        | models.BinaryField
        | models.ForeignKey,
    ):
        return None  # the driver adapts str, int, Decimal, date, bool, bytes and None itself
    return lambda v: field.get_db_prep_save(v, connection)


def _repeat_cached(convert: Converter) -> Converter:
    """``convert`` remembering its last argument: bulk rows usually share one timestamp."""
    last: list[Any] = [object(), None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return cached


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 5000,
) -> int:
    """Insert ``rows`` (tuples in ``fields`` order; foreign keys as ids). Returns the count."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    vendor = connection.vendor
    opts = model._meta
    field_objs = [opts.get_field(name) for name in fields]
    columns = [str(f.column) for f in field_objs]  # type: ignore[union-attr]
    converters = [_converter(f, vendor, connection) for f in field_objs]  # type: ignore[arg-type]
    table = connection.ops.quote_name(opts.db_table)
    column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)

    active = [(i, c) for i, c in enumerate(converters) if c is not None]

    def prepared(chunk: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
        if not active:
            return list(chunk)
        out: list[Sequence[Any]] = []
        for r in chunk:
            row = list(r)
            for i, c in active:
                row[i] = c(row[i])
            out.append(row)
        return out

    count = 0
    it = iter(rows)
    with connection.cursor() as cursor:
        while chunk := prepared(islice(it, batch_size)):
            count += len(chunk)
            if vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3 cursor behind Django's wrapper
                with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({marks})", chunk)  # noqa: S608 (names are quoted model metadata)
    return count
