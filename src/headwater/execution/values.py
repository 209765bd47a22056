"""References to stored values, passed to steps instead of the values themselves."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StoredValue"]


@dataclass(frozen=True, slots=True)
class StoredValue:
    """A reference to a value in the artifact store, read by the step that needs it."""

    uri: str
    serializer: str
    size_bytes: int
    data_version: str
