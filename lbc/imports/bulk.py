"""Plain multi-row INSERTs for the set-based write paths (import commits, warnings raised by an import).

Django's ``bulk_create`` spends most of its time building one large statement per batch; one
``executemany`` of a fixed statement is several times faster for thousands of rows (decision 13).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Field, Model
from django.utils import timezone

BULK_SIZE = 1000
# Columns whose Python value is already what the database driver takes.
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def insert_rows(model: type[Model], objs: Sequence[Model]) -> None:
    """INSERT every object (primary keys left to the database); no signals, as with bulk_create.

    Primary keys are not read back: callers look the rows up by a unique column they set.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # nosec B608 (names from the model)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BULK_SIZE):
            chunk = objs[start : start + BULK_SIZE]
            cursor.executemany(
                sql, [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields] for o in chunk]
            )


def preparer(field: Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """How one column's value is made ready: plain columns as they are, the others by their field
    (encryption, dates, UUIDs, JSON), exactly as ``bulk_create`` would."""
    if (
        type(field) in PLAIN
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def insert_values(model: type[Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows given as ``{attname: value}`` without building model instances (several times faster
    for tens of thousands of rows). Every row gives the same columns; a column left out takes its field's
    default, ``auto_now`` and ``auto_now_add`` columns the time of the call. No signals, no primary keys
    read back."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    given = set(rows[0])
    now = timezone.now()
    template: list[Any] = []
    plain: list[tuple[int, str]] = []
    prepared: list[tuple[int, str, Callable[[Any], Any]]] = []
    made: list[tuple[int, Callable[[], Any]]] = []  # defaults made per row (a UUID)
    for index, f in enumerate(fields):
        prep = preparer(f, connection)
        template.append(None)
        if f.attname in given:
            if type(f) in PLAIN:
                plain.append((index, f.attname))
            else:
                prepared.append((index, f.attname, prep))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            template[index] = prep(now)
        elif f.has_default() and callable(f.default):
            made.append((index, per_row(f, prep)))
        else:
            template[index] = prep(f.get_default())
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  # nosec B608 (names from the model)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )

    def values_of(row: dict[str, Any]) -> list[Any]:
        if row.keys() != given:
            raise ValueError("every row of insert_values must give the same columns")
        values = list(template)
        for index, name in plain:
            values[index] = row[name]
        for index, name, prep in prepared:
            values[index] = prep(row[name])
        for index, make in made:
            values[index] = make()
        return values

    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_SIZE):
            cursor.executemany(sql, [values_of(row) for row in rows[start : start + BULK_SIZE]])


def constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def per_row(field: Field[Any, Any], prep: Callable[[Any], Any]) -> Callable[[], Any]:
    return lambda: prep(field.get_default())
