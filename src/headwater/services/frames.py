"""A stored DataFrame at a glance: its schema, row count and first rows, read from its Parquet file.

Only the file's footer and its first rows are read, so a preview of a 10 GB frame costs
what one of 10 rows does::

    preview = frame_preview(instance, materialization)       # None unless stored as Parquet
    preview.columns, preview.row_count, preview.rows[:3]
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.storage.instance import Instance
    from headwater.storage.records import Materialization

__all__ = ["FRAME_SERIALIZERS", "FrameColumn", "FramePreview", "frame_preview"]

#: the serializers that store a frame as Parquet
FRAME_SERIALIZERS = frozenset({"parquet", "polars_parquet"})


@dataclass(frozen=True, slots=True)
class FrameColumn:
    """One column: its name and its Arrow type as text (``double``, ``string``, ``int64``)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class FramePreview:
    """The shape of a stored frame and its first rows (values as JSON-able scalars or text)."""

    columns: tuple[FrameColumn, ...]
    row_count: int
    rows: tuple[tuple[Any, ...], ...]


def frame_preview(instance: Instance, materialization: Materialization, *, rows: int = 10) -> FramePreview | None:
    """The preview of ``materialization``'s stored frame; None when it is not a Parquet frame.

    Raises:
        ArtifactCorrupt: the file is missing or is not valid Parquet.
    """
    from headwater.errors import ArtifactCorrupt

    if materialization.serializer not in FRAME_SERIALIZERS:
        return None
    import pyarrow.parquet as pq

    uri = materialization.artifact_uri
    try:
        with _open(instance, uri) as file:
            parquet = pq.ParquetFile(file)
            hidden = _index_columns(parquet.schema_arrow.metadata)
            names = [name for name in parquet.schema_arrow.names if name not in hidden]
            columns = tuple(FrameColumn(name, str(parquet.schema_arrow.field(name).type)) for name in names)
            first: list[dict[str, Any]] = []
            if rows > 0 and parquet.metadata.num_rows:
                batch = next(parquet.iter_batches(batch_size=rows, columns=names))
                first = batch.to_pylist()[:rows]
            return FramePreview(
                columns,
                parquet.metadata.num_rows,
                tuple(tuple(_plain(row.get(name)) for name in names) for row in first),
            )
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise ArtifactCorrupt(f"cannot read the stored frame of {materialization.asset_key!r}: {exc}") from exc


@contextmanager
def _open(instance: Instance, uri: str) -> Iterator[IO[bytes]]:
    artifacts = instance.artifacts
    if artifacts.is_local:
        with open(artifacts.local_path(uri), "rb") as file:
            yield file
        return
    import fsspec

    with fsspec.open(uri, "rb") as file:
        yield file


def _index_columns(metadata: dict[bytes, bytes] | None) -> set[str]:
    """The columns pandas wrote for its index (shown by position, not as data)."""
    import json

    if not metadata or b"pandas" not in metadata:
        return set()
    try:
        indexes = json.loads(metadata[b"pandas"]).get("index_columns", [])
    except ValueError:
        return set()
    return {name for name in indexes if isinstance(name, str)}


def _plain(value: Any) -> Any:
    """A JSON-able form of one cell."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | bytes):
        return str(value)
    return str(value)
