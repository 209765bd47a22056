"""Writing many rows with one statement: SQLAlchemy compiles it, the driver runs it.

``conn.execute(insert(table), rows)`` spends several microseconds of SQLAlchemy's time on
each row (turning its dict into the statement's parameters), more than SQLite spends
storing it; a run that finds a thousand steps up to date writes two thousand rows (their
step records and events). So :func:`execute_many` compiles the statement once per dialect,
statement, table and columns, and hands the rows to the driver as tuples in the order of
the compiled parameters (``exec_driver_sql``): the same SQL, in the same transaction,
through the same connection events.

It does so where the driver takes positional parameters (SQLite's ``?``), applying each
column's own conversion of values on the way in (its bind processor: SQLite's ``Float``
makes a float of an int), as SQLAlchemy would. Otherwise, and for rows that do not all
have the first row's columns, it is ``conn.execute(statement, rows)``::

    execute_many(conn, insert(events), rows, table=events, kind="insert")
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.expression import Executable

__all__ = ["CompiledRows", "execute_many"]

#: the SQL text of a statement and how to make its parameters from a row
CompiledRows = tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]


def execute_many(
    conn: Connection,
    statement: Executable,
    rows: Sequence[dict[str, Any]],
    *,
    table: Table,
    kind: Hashable,
    cache: dict[Hashable, CompiledRows | None],
) -> None:
    """Execute ``statement`` once for each of ``rows`` (see the module docstring).

    Args:
        conn: the connection (and its transaction) to run it in.
        statement: an INSERT (or upsert) of ``table`` whose parameters are the rows' columns.
        rows: column name -> value, the same columns in every row.
        table: the table written, whose column types say whether values are converted.
        kind: what the statement is besides its table and columns (``"insert"``, or the
            upsert and its conflict columns), for the cache.
        cache: where compiled statements are kept (one per store).
    """
    if not rows:
        return
    columns = tuple(rows[0])
    key = (conn.dialect.name, conn.dialect.paramstyle, kind, table.name, columns)
    if key not in cache:
        cache[key] = _compile(conn, statement, table, columns)
    compiled = cache[key]
    if compiled is not None:
        sql, parameters_of = compiled
        width = len(columns)
        try:
            parameters = [parameters_of(row) for row in rows if len(row) == width]
        except KeyError:  # a row lacks a column of the first
            parameters = []
        if len(parameters) == len(rows):
            conn.exec_driver_sql(sql, parameters)
            return
    conn.execute(statement, list(rows))


def _compile(conn: Connection, statement: Executable, table: Table, columns: tuple[str, ...]) -> CompiledRows | None:
    """The statement's SQL and how to make a row's parameters, or None when the driver
    cannot take the rows directly (see the module docstring)."""
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))  # type: ignore[attr-defined]
    order = compiled.positiontup
    if not compiled.positional or not order or any(name not in columns or name not in table.c for name in order):
        return None
    # the columns' own conversions, as SQLAlchemy applies them (SQLite's Float: to_float)
    processors = [
        (index, processor)
        for index, name in enumerate(order)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    pick = operator.itemgetter(*order)
    if not processors:
        return compiled.string, pick if len(order) > 1 else lambda row: (pick(row),)

    def parameters_of(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(pick(row)) if len(order) > 1 else [pick(row)]
        for index, processor in processors:
            values[index] = processor(values[index])
        return tuple(values)

    return compiled.string, parameters_of
