"""The graph: every node of a code location, validated once, before anything runs.

Building a :class:`Graph` checks, in this order, and reports every problem of a kind at
once:

1. duplicate keys, with both definition sites;
2. upstream keys that name nothing, with the closest existing names;
3. cycles, as their path (``a -> b -> c -> a``);
4. partitioned assets whose partitioned upstream is split differently.

A graph that builds is valid, and its ``order`` is a topological order that is stable for
a given definition order (``graphlib`` with nodes added in definition order)::

    raw ──> clean ──> model
      └────────────────┘        order: raw, clean, model
"""

from __future__ import annotations

import difflib
import graphlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from headwater.definitions.node import Node
from headwater.definitions.partitioned_nodes import check_partition_dependencies
from headwater.errors import CycleError, DuplicateKeyError, MissingUpstreamError

__all__ = ["Graph", "close_matches"]


def close_matches(word: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest candidates, or an empty string."""
    matches = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


@dataclass(frozen=True, slots=True, eq=False)
class Graph:
    """A validated dependency graph of nodes.

    Attributes:
        nodes: key -> node, in definition order.
        order: every key in a topological order (upstream before downstream).
        downstream: key -> keys that directly depend on it.
    """

    nodes: Mapping[str, Node]
    order: tuple[str, ...]
    downstream: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, nodes: Iterable[Node]) -> Graph:
        """Validate ``nodes`` and build their graph.

        Raises:
            DuplicateKeyError: two nodes share a key.
            MissingUpstreamError: a node's input or dep names no node.
            CycleError: the dependencies form a cycle.
        """
        by_key: dict[str, Node] = {}
        duplicates: list[str] = []
        for node in nodes:
            seen = by_key.get(node.key)
            if seen is not None and seen is not node:
                duplicates.append(f"{node.key!r} is defined twice: at {seen.defined_at} and at {node.defined_at}")
            by_key.setdefault(node.key, node)
        if duplicates:
            raise DuplicateKeyError("duplicate key: " + "; ".join(duplicates))

        missing: list[str] = []
        for node in by_key.values():
            for upstream in node.upstream:
                if upstream not in by_key:
                    what = next((p for p, k in node.inputs.items() if k == upstream), None)
                    via = f"parameter {what!r}" if what is not None else "deps"
                    missing.append(
                        f"{node.kind} {node.key!r} ({node.defined_at}) depends on {upstream!r} through "
                        f"{via}, but no asset or task has that key.{close_matches(upstream, by_key)}"
                    )
        if missing:
            raise MissingUpstreamError("\n".join(missing))

        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for node in by_key.values():
            sorter.add(node.key, *node.upstream)
        try:
            order = tuple(sorter.static_order())
        except graphlib.CycleError as exc:
            raise CycleError(list(exc.args[1])) from exc
        check_partition_dependencies(by_key)

        downstream: dict[str, list[str]] = {key: [] for key in by_key}
        for key in order:
            for upstream in by_key[key].upstream:
                downstream[upstream].append(key)
        return cls(
            nodes=MappingProxyType(by_key),
            order=order,
            downstream=MappingProxyType({k: tuple(v) for k, v in downstream.items()}),
        )

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def upstream_of(self, key: str, depth: int | None = None) -> set[str]:
        """Keys upstream of ``key`` (not itself), up to ``depth`` levels (all when None)."""
        return self._walk(key, lambda k: self.nodes[k].upstream, depth)

    def downstream_of(self, key: str, depth: int | None = None) -> set[str]:
        """Keys downstream of ``key`` (not itself), up to ``depth`` levels (all when None)."""
        return self._walk(key, lambda k: self.downstream[k], depth)

    def _walk(self, start: str, step: Callable[[str], Iterable[str]], depth: int | None) -> set[str]:
        found: set[str] = set()
        frontier = [start]
        level = 0
        while frontier and (depth is None or level < depth):
            level += 1
            frontier = [n for k in frontier for n in step(k) if n not in found]
            found.update(frontier)
        return found

    def subgraph_order(self, keys: Iterable[str]) -> tuple[str, ...]:
        """``keys`` in the graph's topological order."""
        wanted = set(keys)
        return tuple(k for k in self.order if k in wanted)
