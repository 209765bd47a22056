"""Typed metadata (Dagster's ``MetadataValue`` and table types) and how it is stored.

Metadata given to ``Output``, ``MaterializeResult``, ``AssetCheckResult`` or
``context.add_output_metadata`` may hold plain values or ``MetadataValue``s::

    Output(frame, metadata={
        "rows": len(frame),                                  # a number: also a metric of the run
        "preview": MetadataValue.md(frame.head().to_markdown()),
        "dashboard": MetadataValue.url("https://example.com/d/1"),
    })

It is stored as JSON: numbers, text and booleans as themselves (so ``MetadataValue.int`` is
a metric like a plain ``int``), every other kind as ``{"type": kind, "value": ...}``
(``{"type": "url", "value": "https://..."}``), which keeps what it is for listings and the UI.
"""

from __future__ import annotations

import builtins
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["MetadataValue", "TableColumn", "TableRecord", "TableSchema", "normalize_metadata"]


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column of a table schema (Dagster's ``TableColumn``)."""

    name: str
    type: str = "string"
    description: str | None = None
    constraints: Any = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "description": self.description}


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The columns of a table (Dagster's ``TableSchema``)."""

    columns: Sequence[TableColumn]
    constraints: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"columns": [column.to_json() for column in self.columns]}


@dataclass(frozen=True, slots=True, init=False)
class TableRecord:
    """One row of a table, as column -> value (Dagster's ``TableRecord``)."""

    data: Mapping[str, Any]

    def __init__(self, data: Mapping[str, Any] | None = None, **columns: Any) -> None:
        object.__setattr__(self, "data", {**dict(data or {}), **columns})


def _converting(kind: str, convert: Callable[[Any], Any], parameter: str, doc: str) -> staticmethod[..., MetadataValue]:
    """A ``MetadataValue`` constructor of ``kind`` taking one argument (named as Dagster names it)."""
    signature = inspect.Signature([inspect.Parameter(parameter, inspect.Parameter.POSITIONAL_OR_KEYWORD)])

    def make(*args: Any, **kwargs: Any) -> MetadataValue:
        return MetadataValue(kind, convert(signature.bind(*args, **kwargs).arguments[parameter]))

    make.__name__ = make.__qualname__ = kind
    make.__doc__ = doc
    make.__signature__ = signature  # type: ignore[attr-defined]
    return staticmethod(make)


@dataclass(frozen=True, slots=True)
class MetadataValue:
    """A metadata value of a given kind; make one with the static methods (``MetadataValue.url(...)``)."""

    kind: str
    value: Any

    # Kinds that are one value converted (text, a number, ...): made by :func:`_converting`.
    text = _converting("text", builtins.str, "text", "Plain text.")
    md = _converting("md", builtins.str, "data", "Markdown text.")
    json = _converting("json", lambda data: data, "data", "A JSON-able mapping or list.")
    url = _converting("url", builtins.str, "url", "A link.")
    path = _converting("path", builtins.str, "path", "A file path.")
    notebook = _converting("notebook", builtins.str, "path", "The path of a notebook.")
    int = _converting("int", builtins.int, "value", "A whole number (also a metric of the run).")
    float = _converting("float", builtins.float, "value", "A number (also a metric of the run).")
    bool = _converting("bool", builtins.bool, "value", "True or false.")

    @staticmethod
    def timestamp(value: builtins.float | datetime) -> MetadataValue:
        """A point in time, stored as UTC epoch seconds."""
        return MetadataValue("timestamp", value.timestamp() if isinstance(value, datetime) else builtins.float(value))

    @staticmethod
    def null() -> MetadataValue:
        return MetadataValue("null", None)

    @staticmethod
    def asset(asset_key: Any) -> MetadataValue:
        """A reference to another asset, by key."""
        path = getattr(asset_key, "to_user_string", None)
        return MetadataValue("asset", path() if callable(path) else builtins.str(asset_key))

    @staticmethod
    def python_artifact(python_artifact: Any) -> MetadataValue:
        """A reference to a Python class or function: its module and name."""
        return MetadataValue(
            "python_artifact", {"module": python_artifact.__module__, "name": python_artifact.__qualname__}
        )

    @staticmethod
    def table(records: Sequence[TableRecord], schema: TableSchema | None = None) -> MetadataValue:
        return MetadataValue(
            "table",
            {"records": [dict(record.data) for record in records], "schema": schema.to_json() if schema else None},
        )

    @staticmethod
    def table_schema(schema: TableSchema) -> MetadataValue:
        return MetadataValue("table_schema", schema.to_json())

    def to_json(self) -> Any:
        """What is stored: a number, text or boolean as itself, any other kind with its type."""
        if self.kind in ("int", "float", "bool", "text", "null"):
            return self.value
        return {"type": self.kind, "value": self.value}


def normalize_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` with each ``MetadataValue`` (and table type) made plain JSON for storage."""
    return {str(key): _plain(value) for key, value in metadata.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, MetadataValue):
        return value.to_json()
    if isinstance(value, TableSchema):
        return {"type": "table_schema", "value": value.to_json()}
    return value
