"""Which nodes are partitioned, and whether their dependencies fit.

An asset is partitioned by its ``partitions_def``; an asset check goes with its asset. A
partitioned asset reads the *same* partition of a partitioned upstream, so the two must
share one partitions definition: the graph refuses anything else when it is built. An asset
that is not partitioned may depend on a partitioned one (it reads every partition).
"""

from __future__ import annotations

from collections.abc import Mapping

from headwater.definitions.node import Node
from headwater.definitions.partitions import PartitionsDefinition
from headwater.errors import DefinitionError

__all__ = ["check_partition_dependencies", "partitions_def_of"]


def partitions_def_of(nodes: Mapping[str, Node], key: str) -> PartitionsDefinition | None:
    """The partitions of step ``key``: its own, or for an asset check, its asset's."""
    node = nodes[key]
    if node.kind == "check" and node.options.check_specs:
        target = str(node.options.check_specs[0].asset_key)
        return nodes[target].options.partitions_def if target in nodes else None
    definition = node.options.partitions_def
    if definition is None:  # (most nodes: no isinstance check against the ABC)
        return None
    return definition if isinstance(definition, PartitionsDefinition) else None


def check_partition_dependencies(nodes: Mapping[str, Node]) -> None:
    """Refuse a partitioned step whose partitioned upstream is split differently.

    Raises:
        DefinitionError: naming both steps and their partitions.
    """
    problems = []
    for key, node in nodes.items():
        mine = partitions_def_of(nodes, key)
        if mine is None:
            continue
        if node.kind == "task":
            problems.append(f"task {key!r} cannot be partitioned: partition assets")
        for upstream in node.upstream:
            theirs = partitions_def_of(nodes, upstream) if upstream in nodes else None
            if theirs is not None and theirs != mine:
                problems.append(
                    f"{node.kind} {key!r} ({mine.describe()}) depends on {upstream!r} ({theirs.describe()}): "
                    "a partitioned asset reads the same partition of its upstream, so both need the same "
                    "partitions definition (partition mappings are not supported yet)"
                )
    if problems:
        raise DefinitionError("; ".join(problems))
