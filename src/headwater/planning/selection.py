"""Selection: which nodes of a graph a run covers.

A selection string is a comma-separated union of terms::

    *              every node
    name           the node with that key (``key:name`` says the same)
    +name          it and its direct upstream; ``++name`` two levels; ``*name`` all upstream
    name+          it and its direct downstream; ``name++`` two levels; ``name*`` all downstream
    group:NAME     every node in that group
    tag:K=V        every node tagged ``K=V`` (``tag:K`` for any value)

A selection may also be a sequence of assets (decorated functions), nodes or terms, or a
Dagster-style :class:`~headwater.definitions.selection.AssetSelection`.
Unknown names fail with the closest existing names, before any run is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from headwater.definitions.asset import key_of
from headwater.definitions.graph import Graph, close_matches
from headwater.definitions.selection import AssetSelection
from headwater.errors import SelectionError

__all__ = ["Selection", "resolve_selection", "selection_text"]

Selection = str | Sequence[object] | AssetSelection

_TERM = re.compile(r"^(?P<up>\*|\+*)(?P<name>[^*+]+?)(?P<down>\*|\+*)$")


def resolve_selection(graph: Graph, selection: Selection | None) -> tuple[str, ...]:
    """The keys ``selection`` names in ``graph``, in the graph's topological order.

    Raises:
        SelectionError: a term is malformed or names nothing (with close matches).
    """
    if selection is None:
        return graph.order
    if isinstance(selection, AssetSelection):
        return graph.subgraph_order(selection.resolve(graph))
    terms = _terms(selection)
    if not terms:
        raise SelectionError("empty selection: use '*' for every asset")
    chosen: set[str] = set()
    for term in terms:
        chosen |= _resolve_term(graph, term)
    return graph.subgraph_order(chosen)


def selection_text(selection: Selection | None) -> str:
    """The selection as one string, for the run record."""
    if selection is None:
        return "*"
    if isinstance(selection, AssetSelection):
        return str(selection)
    return ",".join(_terms(selection))


def _terms(selection: Selection) -> list[str]:
    if isinstance(selection, str):
        return [term.strip() for term in selection.split(",") if term.strip()]
    terms: list[str] = []
    for item in selection:
        if isinstance(item, AssetSelection):
            raise SelectionError("give an AssetSelection on its own, not inside a list (combine them with |)")
        try:
            terms.append(item.strip() if isinstance(item, str) else key_of(item))
        except TypeError as exc:
            raise SelectionError(f"cannot select {item!r}: give assets, keys or selection strings") from exc
    return terms


def _resolve_term(graph: Graph, term: str) -> set[str]:
    if term == "*":
        return set(graph.nodes)
    if term.startswith("group:"):
        group = term.removeprefix("group:")
        found = {key for key, node in graph.nodes.items() if node.options.group == group}
        if not found:
            groups = {node.options.group for node in graph.nodes.values()}
            raise SelectionError(f"selection {term!r}: no asset is in group {group!r}.{close_matches(group, groups)}")
        return found
    if term.startswith("tag:"):
        tag_key, has_value, tag_value = term.removeprefix("tag:").partition("=")
        found = {
            key
            for key, node in graph.nodes.items()
            if tag_key in node.options.tags and (not has_value or node.options.tags[tag_key] == tag_value)
        }
        if not found:
            raise SelectionError(f"selection {term!r}: no asset has tag {term.removeprefix('tag:')!r}")
        return found
    match = _TERM.match(term.removeprefix("key:"))
    if match is None:
        raise SelectionError(
            f"cannot read selection term {term!r}: expected '*', 'name', '+name', 'name+', 'group:x' or 'tag:k=v'"
        )
    name = match["name"]
    if name not in graph.nodes:
        raise SelectionError(f"selection {term!r}: no asset or task named {name!r}.{close_matches(name, graph.nodes)}")
    found = {name}
    found |= graph.upstream_of(name, _depth(match["up"]))
    found |= graph.downstream_of(name, _depth(match["down"]))
    return found


def _depth(marks: str) -> int | None:
    """``*`` is every level (None); each ``+`` is one level."""
    return None if marks == "*" else len(marks)
