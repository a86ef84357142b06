"""Inserting many rows without building a model instance per row.

`bulk_insert(Model, ["field", ...], rows)` writes plain tuples with one prepared INSERT per batch
(`executemany`), each value prepared by its field exactly as `save()` would (JSON, decimals,
dates), on every database Django supports here. No signals, no primary keys back, no defaults
filled in: give every column the table needs. For the freeze's tens of thousands of result rows,
where `bulk_create` spent most of its time instantiating models and compiling SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connections, router
from django.db.models import Model

BATCH_SIZE = 2_000


def bulk_insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert `rows` (one value per name in `fields`, in that order); returns how many."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Only quoted names from the model's metadata go into the text; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(opts.db_table),
        ", ".join(quote(field.column) for field in columns),
        ", ".join(["%s"] * len(columns)),
    )
    prepare = [field.get_db_prep_save for field in columns]
    written = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, batch_size)):
            cursor.executemany(
                sql,
                [
                    tuple(p(value, connection) for p, value in zip(prepare, row, strict=True))
                    for row in batch
                ],
            )
            written += len(batch)
    return written
