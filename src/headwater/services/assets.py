"""Assets: their states by the one staleness rule, their history, stored values and lineage.

A state comes from :func:`headwater.planning.staleness.asset_statuses`, the rule a run
applies to skip a step, so a listing never says "fresh" for a step the next run reruns.
Nothing here decides staleness itself.

::

    listing = asset_states(instance, location)
    for row in listing.rows:
        print(row.key, row.status.state, row.status.reason)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.errors import ArtifactNotFound
from headwater.planning.lineage import LineageNode, lineage_of
from headwater.planning.staleness import AssetState, AssetStatus, NextRun
from headwater.storage.records import CheckEvaluation, Materialization

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = [
    "AssetListing",
    "AssetRow",
    "AssetState",
    "AssetStatus",
    "LineageNode",
    "NextRun",
    "asset_history",
    "asset_lineage",
    "asset_states",
    "load_asset_value",
]


@dataclass(frozen=True, slots=True)
class AssetRow:
    """One asset (or task) of a code location with its state.

    Attributes:
        key: its key.
        kind: ``asset``, ``task``, ...
        group: its group.
        upstream: the keys it reads, in order.
        description: its description's first line ("" when none).
        tags: its tags.
        status: its state, why, its latest materialization, what the next run does.
        checks: the newest result of each of its checks.
        partitions: for a partitioned asset, how many of its partitions are in each state
            (materialized, stale, failed, missing); None when it is not partitioned.
    """

    key: str
    kind: str
    group: str
    upstream: tuple[str, ...]
    description: str
    tags: dict[str, str]
    status: AssetStatus
    checks: tuple[CheckEvaluation, ...]
    partitions: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class AssetListing:
    """The assets of a code location in dependency order.

    Attributes:
        location: the code location's name.
        rows: one per asset or task (checks and multi-asset ops show in their assets' rows).
        has_checks: whether any asset declares checks.
    """

    location: str
    rows: tuple[AssetRow, ...]
    has_checks: bool


def asset_states(instance: Instance, location: CodeLocation) -> AssetListing:
    """Every asset of ``location`` with its state, by the rule runs apply."""
    from headwater.planning.staleness import asset_statuses

    graph = location.graph
    keys = list(graph.order)
    store = instance.store
    latest = store.latest_materializations(keys)
    checks = store.latest_check_evaluations(keys)
    partitions, summaries, fan_in = _partitions(instance, location, latest)
    statuses = asset_statuses(
        graph, {**latest, **fan_in}, store.last_failures(keys), artifact_check=instance.check_artifact,
        decided=summaries,
    )
    rows = []
    for key in graph.order:
        node = graph.nodes[key]
        if node.kind in ("check", "multi"):
            continue
        lines = (node.options.description or "").strip().splitlines()
        rows.append(
            AssetRow(
                key, node.kind, node.options.group, tuple(node.upstream), lines[0] if lines else "",
                dict(node.options.tags), statuses[key], tuple(checks.get(key, [])), partitions.get(key),
            )
        )
    has_checks = any(node.kind == "check" or node.options.check_specs for node in graph.nodes.values())
    return AssetListing(location.name, tuple(rows), has_checks)


def _partitions(
    instance: Instance, location: CodeLocation, latest: dict[str, Materialization]
) -> tuple[dict[str, dict[str, int]], dict[str, AssetStatus], dict[str, Materialization]]:
    """For the partitioned assets: how many partitions are in each state, one status summing
    them up, and what a downstream that is not partitioned reads of them (every stored
    partition, as one version: see :mod:`headwater.planning.partitioned`)."""
    from dataclasses import replace

    from headwater.definitions.partitioned_nodes import partitions_def_of
    from headwater.planning.partition_status import PartitionState, partition_counts, partition_states
    from headwater.planning.partitioned import fan_in_version

    graph = location.graph
    partitioned = [key for key in graph.order if partitions_def_of(graph.nodes, key) is not None]
    if not partitioned:
        return {}, {}, {}
    store = instance.store
    history = store.latest_partition_materializations(partitioned)
    states = partition_states(
        graph, partitioned, history, latest, store.last_partition_failures(partitioned),
        artifact_check=instance.check_artifact,
    )
    counts, summaries, fan_in = {}, {}, {}
    for key, found in states.items():
        counted = partition_counts(found)
        counts[key] = {state.value: n for state, n in counted.items()}
        stored = history.get(key, {})
        newest = max(stored.values(), key=lambda m: m.created_at) if stored else None
        if newest is not None:
            version = fan_in_version({p: m.data_version for p, m in stored.items()})
            fan_in[key] = replace(newest, data_version=version)
        if counted[PartitionState.FAILED]:
            summaries[key] = AssetStatus(AssetState.FAILED, "a partition's last run failed", newest, NextRun.RUN)
        elif counted[PartitionState.STALE]:
            summaries[key] = AssetStatus(AssetState.STALE, "some partitions are stale", newest, NextRun.RUN)
        elif newest is None:
            summaries[key] = AssetStatus(AssetState.NEVER, "", None, NextRun.RUN)
        else:
            summaries[key] = AssetStatus(AssetState.FRESH, "", newest, NextRun.SKIP)
    return counts, summaries, fan_in


def asset_history(instance: Instance, asset_key: str, *, limit: int | None = 20) -> list[Materialization]:
    """An asset's materializations, newest first.

    Raises:
        ArtifactNotFound: it was never materialized.
    """
    found = instance.store.get_materializations(asset_key, limit=limit)
    if not found:
        raise ArtifactNotFound(f"asset {asset_key!r} has never been materialized")
    return found


def load_asset_value(
    instance: Instance,
    asset_key: str,
    version: str | None = None,
    *,
    key: str | None = None,
    map_index: int | None = None,
    partition: str | None = None,
) -> Any:
    """A stored value: the latest (of ``partition``), the one at data ``version``, or an XCom
    ``key`` (see :func:`headwater.load`).

    Raises:
        ArtifactNotFound: never materialized, no such version or XCom.
        ArtifactCorrupt: the stored file is missing or damaged.
    """
    from headwater.history import load

    return load(asset_key, version, key=key, map_index=map_index, instance=instance, partition_key=partition)


def asset_lineage(instance: Instance, asset_key: str, version: str | None = None) -> LineageNode:
    """The tree of materializations behind ``asset_key`` (its latest, or data ``version``).

    Raises:
        ArtifactNotFound: never materialized, or no such version.
    """
    return lineage_of(instance.store, asset_key, version)


