"""An asset's partitions and where each stands, for a grid of states.

A partition is *materialized* when it has a stored value, *failed* when the newest run of
that partition (its ``dagster/partition`` tag) failed after its last value, and *missing*
otherwise::

    grid = partition_states(instance, location, "daily_sales")
    [(p.key, p.state) for p in grid]     # [("2026-01-01", "materialized"), ...]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from headwater.storage.records import RunStatus

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["PartitionState", "partition_states"]

#: the run tag that names the partition a run computes (Dagster's)
PARTITION_TAG = "dagster/partition"
#: the most partitions a grid shows (the newest ones)
MAX_PARTITIONS = 2000


@dataclass(frozen=True, slots=True)
class PartitionState:
    """One partition of an asset: its key, its state and its latest value's run."""

    key: str
    state: str
    run_id: str | None = None


def partition_states(instance: Instance, location: CodeLocation, asset_key: str) -> list[PartitionState]:
    """The partitions of ``asset_key`` (the newest :data:`MAX_PARTITIONS`) with their states;
    [] when the asset is not partitioned or not in ``location``."""
    from headwater.services.runs import RunQuery, list_runs

    node = location.graph.nodes.get(asset_key)
    definition = getattr(node.options, "partitions_def", None) if node is not None else None
    if definition is None:
        return []
    keys = list(definition.get_partition_keys())[-MAX_PARTITIONS:]
    stored: dict[str, tuple[str, float]] = {}
    for m in instance.store.get_materializations(asset_key):
        if m.partition is not None and m.partition not in stored:
            stored[m.partition] = (m.run_id, m.created_at)
    failed: set[str] = set()
    page = list_runs(instance, RunQuery(statuses=(RunStatus.FAILURE,)), limit=500)
    for run in page.runs:
        partition = run.tags.get(PARTITION_TAG)
        if partition is None or partition in failed:
            continue
        if partition in stored and stored[partition][1] >= run.created_at:
            continue
        if any(s.step_key == asset_key and str(s.status) == "FAILURE" for s in instance.store.get_steps(run.run_id)):
            failed.add(partition)
    states = []
    for key in keys:
        if key in failed:
            states.append(PartitionState(key, "failed"))
        elif key in stored:
            states.append(PartitionState(key, "materialized", stored[key][0]))
        else:
            states.append(PartitionState(key, "missing"))
    return states
