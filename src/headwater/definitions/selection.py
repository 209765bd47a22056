"""``AssetSelection``: Dagster's composable way to name a set of assets.

::

    AssetSelection.groups("ml") | AssetSelection.assets(report)
    AssetSelection.keys("model").upstream()          # model and everything it depends on
    AssetSelection.all() - AssetSelection.tag("tier", "bronze")

A selection is resolved against a graph when a run is planned; a name that matches nothing
is an error there, with the closest names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from headwater.definitions.graph import Graph, close_matches
from headwater.errors import SelectionError

__all__ = ["AssetSelection"]


@dataclass(frozen=True, slots=True, eq=False)
class AssetSelection:
    """A set of assets, computed from a graph; combine with ``|``, ``&`` and ``-``."""

    _resolve: Callable[[Graph], set[str]]
    _text: str

    def resolve(self, graph: Graph) -> set[str]:
        """The keys this selection names in ``graph``.

        Raises:
            SelectionError: a key, group or tag names nothing.
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
    def tag(cls, key: str, value: str) -> AssetSelection:
        """The assets tagged ``key=value``."""
        return cls(
            lambda graph: {k for k, node in graph.nodes.items() if node.options.tags.get(key) == value},
            f"tag:{key}={value}",
        )

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
