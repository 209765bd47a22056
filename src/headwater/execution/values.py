"""References to stored values, passed to steps instead of the values themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headwater.storage.base import ArtifactStore
from headwater.storage.records import Materialization

__all__ = ["PartitionedValues", "StoredValue"]


@dataclass(frozen=True, slots=True)
class StoredValue:
    """A reference to a value in the artifact store, read by the step that needs it."""

    uri: str
    serializer: str
    size_bytes: int
    data_version: str
    #: the run that stored it, named when the file turns out damaged
    run_id: str | None = None

    @classmethod
    def of(cls, materialization: Materialization) -> StoredValue:
        """The stored value a materialization recorded."""
        m = materialization
        return cls(m.artifact_uri, m.serializer, m.size_bytes, m.data_version, m.run_id)

    def load(self, artifacts: ArtifactStore) -> Any:
        """Read the value, verified against its size and data version.

        Raises:
            ArtifactCorrupt: the file is missing or damaged.
        """
        return artifacts.get(
            self.uri, self.serializer, size_bytes=self.size_bytes, data_version=self.data_version, run_id=self.run_id
        )


@dataclass(frozen=True, slots=True)
class PartitionedValues:
    """Every stored partition of an upstream, for a step that is not partitioned: it receives
    them as a dict, partition key -> value, in key order."""

    partitions: dict[str, StoredValue | Any]

    def load(self, artifacts: ArtifactStore) -> dict[str, Any]:
        """Read every partition.

        Raises:
            ArtifactCorrupt: a file is missing or damaged.
        """
        return {
            key: value.load(artifacts) if isinstance(value, StoredValue) else value
            for key, value in self.partitions.items()
        }
