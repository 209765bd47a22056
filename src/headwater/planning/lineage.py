"""Lineage: which materializations produced a value, down to its sources.

Each materialization records the data versions it consumed (``input_versions``); walking
them back gives a tree::

    model_accuracy  run 3f2a..  data 91bc..  code 77e0..
    └── trained_model  run 3f2a..  data 5d10..  code 1a2b..
        └── iris_features  run 1c4e..  data 0f9a..  code c3d4..   (reused: up to date in 3f2a)

A version may be given by its data version, or any unambiguous prefix of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from headwater.errors import ArtifactNotFound
from headwater.storage.base import MaterializationIndex
from headwater.storage.records import Materialization

__all__ = ["LineageNode", "find_materialization", "lineage_of"]


@dataclass(frozen=True, slots=True)
class LineageNode:
    """One materialization and the ones it consumed (None where the record is gone)."""

    asset_key: str
    data_version: str
    materialization: Materialization | None
    inputs: tuple[LineageNode, ...] = field(default_factory=tuple)


def find_materialization(
    index: MaterializationIndex, asset_key: str, version: str | None = None, *, partition: str | None = None
) -> Materialization:
    """The latest materialization of ``asset_key`` (of ``partition``, for a partitioned asset),
    or the one whose data version is ``version``.

    Raises:
        ArtifactNotFound: the asset (or that partition) was never materialized, the asset is
            partitioned and no partition is given, or no version matches (or the prefix
            matches several different versions).
    """
    if version is None and partition is not None:
        found = index.latest_partition_materializations([asset_key], [partition]).get(asset_key, {})
        if partition not in found:
            raise ArtifactNotFound(f"partition {partition!r} of asset {asset_key!r} has never been materialized")
        return found[partition]
    if version is None:
        latest = index.latest_materializations([asset_key]).get(asset_key)
        if latest is None:
            partitions = index.latest_partition_materializations([asset_key]).get(asset_key, {})
            if partitions:
                newest = sorted(partitions)[-3:]
                raise ArtifactNotFound(
                    f"asset {asset_key!r} is partitioned: name a partition (--partition KEY, partition_key=); "
                    f"the last stored are {', '.join(map(repr, newest))}"
                )
            raise ArtifactNotFound(f"asset {asset_key!r} has never been materialized")
        return latest
    history = index.get_materializations(asset_key)
    matches = [m for m in history if m.data_version.startswith(version)]
    if not matches:
        if not history:
            raise ArtifactNotFound(f"asset {asset_key!r} has never been materialized")
        raise ArtifactNotFound(
            f"asset {asset_key!r} has no version {version!r}; its latest is {history[0].data_version[:12]} "
            f"(see headwater assets history {asset_key})"
        )
    if len({m.data_version for m in matches}) > 1:
        raise ArtifactNotFound(f"version {version!r} of {asset_key!r} is ambiguous: give more characters")
    return matches[0]


def lineage_of(index: MaterializationIndex, asset_key: str, version: str | None = None) -> LineageNode:
    """The tree of materializations that produced ``asset_key`` (at ``version``)."""
    root = find_materialization(index, asset_key, version)
    return _node(index, root, seen=set())


def _node(index: MaterializationIndex, materialization: Materialization, seen: set[tuple[str, str]]) -> LineageNode:
    inputs = []
    for upstream, data_version in sorted(materialization.input_versions.items()):
        if (upstream, data_version) in seen:
            continue
        seen.add((upstream, data_version))
        try:
            found = find_materialization(index, upstream, data_version)
        except ArtifactNotFound:
            inputs.append(LineageNode(upstream, data_version, None))
            continue
        inputs.append(_node(index, found, seen))
    return LineageNode(materialization.asset_key, materialization.data_version, materialization, tuple(inputs))
