"""One asset's partitions and where each stands, for a grid of states.

The states come from :func:`headwater.planning.partition_status.partition_states`, the rule
``assets list`` counts and backfills skip by (materialized, stale, failed, missing)::

    grid = partition_grid(instance, location, "daily_sales")
    [(p.key, p.state) for p in grid]     # [("2026-01-01", "materialized"), ...]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["PartitionCell", "partition_grid"]

#: the most partitions a grid shows (the newest ones)
MAX_PARTITIONS = 2000


@dataclass(frozen=True, slots=True)
class PartitionCell:
    """One partition of an asset: its key, its state, and the run of its latest value."""

    key: str
    state: str
    run_id: str | None = None


def partition_grid(instance: Instance, location: CodeLocation, asset_key: str) -> list[PartitionCell]:
    """The partitions of ``asset_key`` (the newest :data:`MAX_PARTITIONS`) with their states;
    [] when it is not partitioned or not in ``location``."""
    from headwater.definitions.partitioned_nodes import partitions_def_of
    from headwater.planning.partition_status import partition_states

    graph = location.graph
    definition = partitions_def_of(graph.nodes, asset_key) if asset_key in graph.nodes else None
    if definition is None:
        return []
    keys = list(definition.get_partition_keys())[-MAX_PARTITIONS:]
    wanted = [asset_key, *graph.nodes[asset_key].upstream]
    store = instance.store
    history = store.latest_partition_materializations(wanted, keys)
    latest = store.latest_materializations(wanted)
    states = partition_states(
        graph, [asset_key], history, latest, store.last_partition_failures([asset_key]), partitions=keys,
        artifact_check=instance.check_artifact,
    ).get(asset_key, {})
    own = history.get(asset_key, {})
    return [
        PartitionCell(key, states[key].value, own[key].run_id if key in own else None) for key in keys if key in states
    ]
