"""Selections: which nodes of a graph a run, a job or a CLI command covers. One engine.

A selection is an :class:`AssetSelection` (Dagster's composable form), a selection string,
or a sequence of assets and keys; strings and sequences are read into an ``AssetSelection``
by :meth:`AssetSelection.from_string`, so every caller (the run, ``--select``, jobs) resolves
the same way::

    AssetSelection.groups("ml") | AssetSelection.assets(report)
    AssetSelection.keys("model").upstream()          # model and everything it depends on
    AssetSelection.all() - AssetSelection.tag("tier", "bronze")
    AssetSelection.from_string("+model,group:reports")

A selection string is a comma-separated union of terms::

    *              every node
    name           the node with that key (``key:name`` says the same)
    +name          it and its direct upstream; ``++name`` two levels; ``*name`` all upstream
    name+          it and its direct downstream; ``name++`` two levels; ``name*`` all downstream
    group:NAME     every node in that group
    tag:K=V        every node tagged ``K=V`` (``tag:K`` for any value)

Policy: a term that matches nothing (a key, a group, a tag) is an error when the selection is
resolved against a graph, naming the closest existing names (difflib); it never quietly
selects nothing. A malformed string is an error when it is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from headwater.definitions.graph import Graph, close_matches
from headwater.errors import SelectionError

__all__ = ["AssetSelection", "Selection", "resolve_selection", "selection_text"]

_TERM = re.compile(r"^(?P<up>\*|\+*)(?P<name>[^*+]+?)(?P<down>\*|\+*)$")


@dataclass(frozen=True, slots=True, eq=False)
class AssetSelection:
    """A set of assets, computed from a graph; combine with ``|``, ``&`` and ``-``."""

    _resolve: Callable[[Graph], set[str]]
    _text: str

    def resolve(self, graph: Graph) -> set[str]:
        """The keys this selection names in ``graph``.

        Raises:
            SelectionError: a key, group or tag names nothing (with the closest names).
        """
        return self._resolve(graph)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"AssetSelection({self._text})"

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def all(cls) -> AssetSelection:
        """Every asset."""
        return cls(lambda graph: set(graph.nodes), "*")

    @classmethod
    def assets(cls, *assets: object) -> AssetSelection:
        """These assets (decorated functions, keys or ``AssetKey``s)."""
        from headwater.definitions.asset import key_of

        return cls.keys(*(key_of(a) for a in assets))

    @classmethod
    def keys(cls, *keys: object) -> AssetSelection:
        """The assets with these keys (strings, ``AssetKey``s or lists of path parts)."""
        from headwater.definitions.asset import key_of

        wanted = [("/".join(k) if isinstance(k, list | tuple) else key_of(k)) for k in keys]

        def resolve(graph: Graph) -> set[str]:
            for key in wanted:
                if key not in graph.nodes:
                    raise SelectionError(f"no asset or task named {key!r}.{close_matches(key, graph.nodes)}")
            return set(wanted)

        return cls(resolve, ",".join(wanted))

    @classmethod
    def groups(cls, *group_names: str) -> AssetSelection:
        """The assets in these groups."""

        def resolve(graph: Graph) -> set[str]:
            known = {node.options.group for node in graph.nodes.values()}
            for group in group_names:
                if group not in known:
                    raise SelectionError(f"no asset is in group {group!r}.{close_matches(group, known)}")
            return {key for key, node in graph.nodes.items() if node.options.group in group_names}

        return cls(resolve, ",".join(f"group:{g}" for g in group_names))

    @classmethod
    def tag(cls, key: str, value: str | None) -> AssetSelection:
        """The assets tagged ``key=value`` (with any value when ``value`` is None)."""
        wanted = key if value is None else f"{key}={value}"

        def resolve(graph: Graph) -> set[str]:
            found = {
                k for k, node in graph.nodes.items()
                if key in node.options.tags and (value is None or node.options.tags[key] == value)
            }
            if not found:
                tags = [(k, v) for node in graph.nodes.values() for k, v in node.options.tags.items()]
                known = {k for k, _ in tags} if value is None else {f"{k}={v}" for k, v in tags}
                raise SelectionError(f"no asset has tag {wanted!r}.{close_matches(wanted, known)}")
            return found

        return cls(resolve, f"tag:{wanted}")

    @classmethod
    def tag_string(cls, string: str) -> AssetSelection:
        """The assets with the tag ``"key=value"`` (or ``"key"``, any value)."""
        key, has_value, value = string.partition("=")
        return cls.tag(key, value if has_value else None)

    @classmethod
    def from_string(cls, text: str | Sequence[object]) -> AssetSelection:
        """Read a selection string (``"+model,group:ml"``) or a sequence of assets, keys and terms.

        Raises:
            SelectionError: the selection is empty or a term cannot be read.
        """
        terms = _terms(text)
        if not terms:
            raise SelectionError("empty selection: use '*' for every asset")
        parsed = [_read_term(term)._named(term) for term in terms]
        union = parsed[0]
        for part in parsed[1:]:
            union = union | part
        return cls(union._resolve, ",".join(terms))

    def _named(self, term: str) -> AssetSelection:
        """This selection, its errors prefixed with the term of a selection string they come from."""

        def resolve(graph: Graph) -> set[str]:
            try:
                return self._resolve(graph)
            except SelectionError as exc:
                raise SelectionError(f"selection {term!r}: {exc}") from None

        return AssetSelection(resolve, self._text)

    # -- growing and combining --------------------------------------------------------------

    def upstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        """Add everything upstream (``depth`` levels, all when None)."""
        return self._grow(lambda graph, key: graph.upstream_of(key, depth), include_self, "upstream")

    def downstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        """Add everything downstream (``depth`` levels, all when None)."""
        return self._grow(lambda graph, key: graph.downstream_of(key, depth), include_self, "downstream")

    def _grow(self, walk: Callable[[Graph, str], set[str]], include_self: bool, what: str) -> AssetSelection:
        def resolve(graph: Graph) -> set[str]:
            base = self.resolve(graph)
            grown = set().union(*(walk(graph, key) for key in base)) if base else set()
            return grown | base if include_self else grown - base

        return AssetSelection(resolve, f"{what}({self._text})")

    def __or__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection(lambda g: self.resolve(g) | other.resolve(g), f"{self._text} | {other._text}")

    def __and__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection(lambda g: self.resolve(g) & other.resolve(g), f"{self._text} & {other._text}")

    def __sub__(self, other: AssetSelection) -> AssetSelection:
        return AssetSelection(lambda g: self.resolve(g) - other.resolve(g), f"{self._text} - {other._text}")


#: what every API taking a selection accepts
Selection = str | Sequence[object] | AssetSelection


def resolve_selection(graph: Graph, selection: Selection | None) -> tuple[str, ...]:
    """The keys ``selection`` names in ``graph``, in the graph's topological order.

    Args:
        graph: the validated graph.
        selection: an ``AssetSelection``, a selection string, or a sequence of assets, keys
            and terms; every node when None.

    Selecting an asset selects its asset checks too, as in Dagster, and the op of a
    multi-asset it belongs to; selecting that op selects all its assets.

    Raises:
        SelectionError: a term is malformed or names nothing (with close matches).
    """
    if selection is None:
        return graph.order
    chosen = selection if isinstance(selection, AssetSelection) else AssetSelection.from_string(selection)
    return graph.subgraph_order(_with_companions(graph, set(chosen.resolve(graph))))


def _with_companions(graph: Graph, chosen: set[str]) -> set[str]:
    """``chosen`` with what must run with it: the asset checks of each chosen asset, and the op
    of each chosen asset of a ``@multi_asset`` (whose assets are all chosen unless it can subset).

    Raises:
        SelectionError: some but not all assets of a multi-asset that cannot subset are chosen.
    """
    for key, node in graph.nodes.items():
        if node.kind != "multi":
            continue
        outputs = {output.asset_key for output in node.options.multi_outputs}
        picked = outputs & chosen
        if picked or key in chosen:
            if not node.options.can_subset and picked and picked != outputs:
                raise SelectionError(
                    f"multi-asset {key!r} cannot compute a subset of its assets: select all of "
                    f"{sorted(outputs)} or none (or give it can_subset=True)"
                )
            chosen = chosen | {key} | (outputs if key in chosen and not picked else set())
    return chosen | {
        key for key, node in graph.nodes.items()
        if node.kind == "check" and node.options.check_specs[0].asset_key in chosen
    }


def selection_text(selection: Selection | None) -> str:
    """The selection as one string, for the run record and listings."""
    if selection is None:
        return "*"
    if isinstance(selection, AssetSelection):
        return str(selection)
    return ",".join(_terms(selection))


def _terms(selection: str | Sequence[object]) -> list[str]:
    from headwater.definitions.asset import key_of

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


def _read_term(term: str) -> AssetSelection:
    if term == "*":
        return AssetSelection.all()
    if term.startswith("group:"):
        return AssetSelection.groups(term.removeprefix("group:"))
    if term.startswith("tag:"):
        return AssetSelection.tag_string(term.removeprefix("tag:"))
    match = _TERM.match(term.removeprefix("key:"))
    if match is None:
        raise SelectionError(
            f"cannot read selection term {term!r}: expected '*', 'name', '+name', 'name+', 'group:x' or 'tag:k=v'"
        )
    node = AssetSelection.keys(match["name"])
    up, down = _depth(match["up"]), _depth(match["down"])
    if up == 0 and down == 0:
        return node
    if down == 0:
        return node.upstream(up)
    if up == 0:
        return node.downstream(down)
    return node.upstream(up) | node.downstream(down)


def _depth(marks: str) -> int | None:
    """``*`` is every level (None); each ``+`` is one level."""
    return None if marks == "*" else len(marks)
