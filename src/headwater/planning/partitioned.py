"""Which partition each step of a run computes, and which stored partitions it reads.

A run has at most one partition key. Within it:

* a selected step that is partitioned (its asset has a ``partitions_def``; an asset check
  goes with its asset) computes that partition, and is compared, for staleness, with the
  latest materialization *of that partition*;
* it reads the same partition of a partitioned upstream (which must have the same
  partitions definition: the graph refuses others when it is built);
* a step that is not partitioned reads every stored partition of a partitioned upstream, as
  a dict ``key -> value`` (its *fan-in*), and counts as changed when any of them changed.

A selection holding partitioned steps needs a partition key; a key needs a partitioned step
to apply to, and must be one of its definition's keys::

    events (daily) ──> daily_counts (daily) ──> report (not partitioned)
    run of partition 2026-01-02: events[2026-01-02], daily_counts[2026-01-02],
                                 report reads {"2026-01-01": ..., "2026-01-02": ...}
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from headwater.definitions.graph import Graph
from headwater.definitions.node import Node
from headwater.definitions.partitioned_nodes import partitions_def_of
from headwater.definitions.partitions import PartitionsDefinition
from headwater.errors import PartitionKeyError, PlanError
from headwater.storage.records import Materialization

__all__ = [
    "PartitionHistory",
    "RunPartitions",
    "fan_in_version",
    "run_partitions",
]

#: asset keys, partition keys (all when None) -> asset key -> partition key -> its latest
#: materialization (the store's ``latest_partition_materializations``)
PartitionHistory = Callable[[Iterable[str], Iterable[str] | None], Mapping[str, Mapping[str, Materialization]]]


@dataclass(frozen=True, slots=True)
class RunPartitions:
    """What a run computes and reads, partition-wise.

    Attributes:
        key: the run's partition key.
        partitioned: the selected steps that compute it.
        partitioned_upstream: unselected upstream steps read at that partition.
        latest: step key -> the latest materialization of the run's partition (selected
            partitioned steps, and partitioned upstream steps outside the run).
        fan_in: partitioned upstream key -> partition key -> latest materialization, for
            the steps that are not partitioned.
    """

    key: str | None = None
    partitioned: frozenset[str] = frozenset()
    partitioned_upstream: frozenset[str] = frozenset()
    latest: Mapping[str, Materialization] = field(default_factory=dict)
    fan_in: Mapping[str, Mapping[str, Materialization]] = field(default_factory=dict)


def run_partitions(
    graph: Graph, keys: Iterable[str], partition_key: str | None, history: PartitionHistory | None
) -> RunPartitions:
    """Work out, for a run of ``keys``, the partition each step computes and what it reads.

    Raises:
        PlanError: partitioned steps are selected without a partition key, or with different
            partitions definitions.
        PartitionKeyError: ``partition_key`` is given but no selected step is partitioned, or
            it is not a key of their definition.
    """
    nodes = graph.nodes
    selected = list(keys)
    chosen = set(selected)
    partitioned = [key for key in selected if partitions_def_of(nodes, key) is not None]
    _check_key(nodes, partitioned, partition_key)
    same_partition = {
        up for key in partitioned for up in nodes[key].upstream
        if up not in chosen and partitions_def_of(nodes, up) is not None
    }
    fanned = sorted({
        up for key in selected if partitions_def_of(nodes, key) is None for up in nodes[key].upstream
        if partitions_def_of(nodes, up) is not None
    })
    latest: dict[str, Materialization] = {}
    if partition_key is not None and history is not None:
        found = history([*partitioned, *sorted(same_partition)], [partition_key])
        latest = {key: parts[partition_key] for key, parts in found.items() if partition_key in parts}
    fan_in: dict[str, dict[str, Materialization]] = {key: {} for key in fanned}
    if fanned and history is not None:
        for key, parts in history(fanned, None).items():
            definition = partitions_def_of(nodes, key)
            existing = set(definition.get_partition_keys()) if definition is not None else set()
            fan_in[key] = {p: m for p, m in sorted(parts.items()) if p in existing}
    return RunPartitions(
        key=partition_key,
        partitioned=frozenset(partitioned),
        partitioned_upstream=frozenset(same_partition),
        latest=latest,
        fan_in=fan_in,
    )


def _check_key(nodes: Mapping[str, Node], partitioned: list[str], partition_key: str | None) -> None:
    if not partitioned:
        if partition_key is not None:
            raise PartitionKeyError(
                f"partition {partition_key!r} was given, but none of the selected assets is partitioned"
            )
        return
    definitions: dict[PartitionsDefinition, list[str]] = {}
    for key in partitioned:
        definition = partitions_def_of(nodes, key)
        assert definition is not None
        definitions.setdefault(definition, []).append(key)
    if len(definitions) > 1:
        groups = "; ".join(f"{d.describe()}: {', '.join(map(repr, ks))}" for d, ks in definitions.items())
        raise PlanError(f"the selected assets are partitioned differently, so no one partition key fits them ({groups})")
    (definition, owners), = definitions.items()
    if partition_key is None:
        raise PlanError(
            f"{', '.join(map(repr, owners[:3]))}{' ...' if len(owners) > 3 else ''} "
            f"{'is' if len(owners) == 1 else 'are'} partitioned ({definition.describe()}): give a partition key "
            "(materialize --partition KEY) or run a backfill (headwater backfill JOB --from A --to B)"
        )
    definition.check_partition_key(partition_key, where=f"asset {owners[0]!r}")


def fan_in_version(versions: Mapping[str, str]) -> str:
    """One data version for a set of partitions: a hash over each partition key and its version,
    so adding, removing or changing a partition changes it."""
    digest = hashlib.sha256()
    for partition, version in sorted(versions.items()):
        digest.update(f"{partition}\x1f{version}\x1e".encode())
    return "partitions:" + digest.hexdigest()[:40]
