"""Insert very many rows of one model at once, values prepared by the model's own fields.

``bulk_create`` compiles every value of every row through the ORM: about 40 µs per contact
row on SQLite, most of a 100,000-account demo's load time. This writer builds the statement
once from the model's metadata and hands the driver plain rows (``executemany``; ``COPY`` on
PostgreSQL). Only values whose database form differs from the Python one (dates, decimals,
JSON) go through the backend's adapters, so what lands in the table is what ``bulk_create``
would have written. Like ``bulk_create`` it calls no ``save()`` and sends no signals.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# Field types whose Python values need the backend's adapting (the others go as they are).
_CONVERTED_TYPES = frozenset(
    {
        "DateField",
        "DateTimeField",
        "DecimalField",
        "DurationField",
        "JSONField",
        "TimeField",
        "UUIDField",
    }
)
_JSON_CACHE_LIMIT = 4096
_DATETIME_CACHE_LIMIT = 65536
ROWS_PER_CALL = 5000


class RowWriter:
    """Writes rows, given as mappings of attribute name to value, to ``model``'s table.

    Every row names the same columns (the first row's). Fields a row leaves out get their
    default, prepared once; the primary key is left to the database unless rows give it.
    """

    def __init__(self, model: type[models.Model]) -> None:
        # The wrapper itself, not django.db.connection: every attribute read through that
        # proxy costs a thread-local lookup, and values are prepared a million times.
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.model = model
        self.columns: tuple[str, ...] = ()  # the first row's; set with the statements
        self.sql = self.copy_sql = ""

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert ``rows``; return how many."""
        written = 0
        iterator = iter(rows)
        with self.connection.cursor() as cursor:
            while chunk := list(itertools.islice(iterator, ROWS_PER_CALL)):
                if not self.columns:
                    self._plan(tuple(chunk[0]))
                if self.copy_sql:
                    with cursor.cursor.copy(self.copy_sql) as copy:
                        for row in chunk:
                            copy.write_row(self._prepare(row))
                else:
                    cursor.executemany(self.sql, [self._prepare(row) for row in chunk])
                written += len(chunk)
        return written

    def _plan(self, columns: tuple[str, ...]) -> None:
        """Build the statement and the value converters for rows of ``columns``."""
        db = self.connection
        concrete = self.model._meta.concrete_fields
        by_attname = {f.attname: f for f in concrete}
        given = [by_attname[name] for name in columns]
        rest = [f for f in concrete if f.attname not in columns and not f.primary_key]
        self.columns = columns
        pick = operator.itemgetter(*columns)
        # itemgetter of one key returns the value itself, of several a tuple.
        self.values_of = pick if len(columns) > 1 else lambda row: (pick(row),)
        self.converters: list[tuple[int, Callable[[Any], Any]]] = [
            (i, _converter(f, db)) for i, f in enumerate(given) if _needs_conversion(f)
        ]
        self.defaults = [f.get_db_prep_save(f.get_default(), db) for f in rest]
        quote = db.ops.quote_name
        names = ", ".join(quote(f.column) for f in (*given, *rest))
        marks = ", ".join(["%s"] * (len(given) + len(rest)))
        table = quote(self.model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        # PostgreSQL parses and plans every INSERT of an executemany (Django binds values on
        # the client); COPY streams the rows instead, several times faster.
        if db.vendor == "postgresql" and _has_copy():
            self.copy_sql = f"COPY {table} ({names}) FROM STDIN"

    def _prepare(self, row: Mapping[str, Any]) -> list[Any]:
        values = [*self.values_of(row), *self.defaults]
        for index, convert in self.converters:
            values[index] = convert(values[index])
        return values


def next_id(model: type[models.Model]) -> int:
    """The first primary key above every existing row of ``model``."""
    highest = model._default_manager.aggregate(highest=models.Max("pk"))["highest"]
    return (highest or 0) + 1


def reset_sequences(*models_: type[models.Model]) -> None:
    """After inserting explicit ids, move the id sequences past them (PostgreSQL).

    SQLite needs nothing: its AUTOINCREMENT counter follows the largest id inserted.
    """
    db = connections[DEFAULT_DB_ALIAS]
    statements = db.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with db.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _has_copy() -> bool:
    # Imported here: the module needs a PostgreSQL driver, which SQLite setups may lack.
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3  # psycopg 2 streams COPY differently; it gets executemany


def _needs_conversion(field: models.Field[Any, Any]) -> bool:
    return field.get_internal_type() in _CONVERTED_TYPES


def _converter(field: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, db)

    kind = field.get_internal_type()
    if kind == "DateTimeField":
        adapt = db.ops.adapt_datetimefield_value

        # An aware datetime needs no preparing before the backend's adapter; the field's
        # checks (naive values, dates) cost more than the adapting itself. Rows often repeat
        # an instant (a timeline entry's time is copied to its links): adapt each once.
        adapted: dict[dt.datetime, Any] = {}

        def prepare_datetime(value: Any) -> Any:
            if type(value) is dt.datetime and value.tzinfo is not None:
                found = adapted.get(value)
                if found is None:
                    if len(adapted) >= _DATETIME_CACHE_LIMIT:
                        adapted.clear()
                    found = adapted[value] = adapt(value)
                return found
            return prepare(value)

        return prepare_datetime
    if kind != "JSONField":
        return prepare
    # Most JSON values repeat ({} or one of a few custom values): serialise each once.
    cache: dict[str, Any] = {}

    def prepare_json(value: Any) -> Any:
        key = repr(value)
        if key not in cache:
            if len(cache) >= _JSON_CACHE_LIMIT:
                return prepare(value)
            cache[key] = prepare(value)
        return cache[key]

    return prepare_json
