"""Plain-SQL helpers of the ingestion hot path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connection


def in_values(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column IN values`` as SQL and parameters, with one parameter for the whole list.

    Hundreds of placeholders cost more to build, bind and parse than the index look-ups they
    ask for: SQLite reads the list from one JSON array, PostgreSQL from one array parameter.
    ``column`` is always a name written in our code, never user input.
    """
    if connection.vendor == "sqlite":
        return f"{column} IN (SELECT value FROM json_each(%s))", [
            orjson.dumps(list(values)).decode()
        ]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
