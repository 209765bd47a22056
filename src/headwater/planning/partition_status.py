"""The state of each partition of partitioned assets, by the one staleness rule.

``headwater assets list`` shows a partitioned asset as counts of its partitions in four
states, and a backfill skips a partition whose assets are all current. Both ask
:func:`partition_states`, which applies :func:`headwater.planning.staleness.decide` to each
partition with that partition's latest materialization and its inputs' versions (the same
partition of a partitioned upstream, the latest value of one that is not)::

    events (daily): 28 materialized, 1 stale, 1 failed, 2 missing

* **missing**: never materialized;
* **failed**: its last run failed (after its latest materialization, if any);
* **stale**: something it was computed from changed (code, environment, an input), or the
  same partition of an upstream is not materialized and current;
* **materialized**: current. A source that reruns by policy counts as materialized, as an
  unpartitioned one counts as fresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from headwater.definitions.graph import Graph
from headwater.definitions.partitioned_nodes import partitions_def_of
from headwater.planning.staleness import ArtifactCheck, decide, step_versions
from headwater.planning.versions import Versioner
from headwater.storage.records import Materialization

__all__ = ["PartitionState", "partition_counts", "partition_states"]


class PartitionState(StrEnum):
    """Where one partition of an asset stands."""

    MATERIALIZED = "materialized"
    STALE = "stale"
    FAILED = "failed"
    MISSING = "missing"


def partition_states(
    graph: Graph,
    keys: Sequence[str],
    history: Mapping[str, Mapping[str, Materialization]],
    latest: Mapping[str, Materialization],
    failures: Mapping[str, Mapping[str, float]] | None = None,
    *,
    partitions: Iterable[str] | None = None,
    artifact_check: ArtifactCheck | None = None,
    versioner: Versioner | None = None,
) -> dict[str, dict[str, PartitionState]]:
    """Asset key -> partition key -> its state, for the partitioned ``keys``.

    Args:
        history: asset key -> partition key -> its latest materialization.
        latest: asset key -> latest materialization, for unpartitioned upstream assets.
        failures: asset key -> partition key -> when a run of it last failed.
        partitions: the partition keys to judge; each asset's existing ones when None.
        artifact_check: as for :func:`decide` (a lost value makes the partition stale).
    """
    versions = versioner or Versioner()
    failed_at = failures or {}
    wanted = list(partitions) if partitions is not None else None
    states: dict[str, dict[str, PartitionState]] = {}
    for key in graph.subgraph_order(keys):
        definition = partitions_def_of(graph.nodes, key)
        if definition is None:
            continue
        node = graph.nodes[key]
        current = step_versions(node, versions)
        own = history.get(key, {})
        mine: dict[str, PartitionState] = {}
        for partition in wanted if wanted is not None else definition.get_partition_keys():
            materialization = own.get(partition)
            inputs = _input_versions(graph, node.upstream, partition, history, latest)
            failure = failed_at.get(key, {}).get(partition)
            if failure is not None and (materialization is None or failure > materialization.created_at):
                mine[partition] = PartitionState.FAILED
            elif materialization is None:
                mine[partition] = PartitionState.MISSING
            else:
                decision = decide(node, current, materialization, inputs, artifact_check=artifact_check)
                behind = any(
                    states.get(up, {}).get(partition, PartitionState.MATERIALIZED) is not PartitionState.MATERIALIZED
                    for up in node.upstream
                )
                changed = decision.reason is not None and not decision.policy
                mine[partition] = PartitionState.STALE if changed or behind else PartitionState.MATERIALIZED
        states[key] = mine
    return states


def _input_versions(
    graph: Graph,
    upstream: Iterable[str],
    partition: str,
    history: Mapping[str, Mapping[str, Materialization]],
    latest: Mapping[str, Materialization],
) -> dict[str, str]:
    versions = {}
    for up in upstream:
        if up in graph.nodes and partitions_def_of(graph.nodes, up) is not None:
            found = history.get(up, {}).get(partition)
        else:
            found = latest.get(up)
        if found is not None:
            versions[up] = found.data_version
    return versions


def partition_counts(states: Mapping[str, PartitionState]) -> dict[PartitionState, int]:
    """How many partitions are in each state (every state present, zero or not)."""
    counted = Counter(states.values())
    return {state: counted.get(state, 0) for state in PartitionState}
