"""Graph validation: every bad shape is reported with what and where, before anything runs.

    a ──> b ──> c
    └──────────>┘
"""

from __future__ import annotations

import pytest

from headwater import asset
from headwater.definitions.graph import Graph
from headwater.definitions.node import node_of
from headwater.errors import CycleError, DuplicateKeyError, MissingUpstreamError


def nodes(*functions: object) -> list:
    return [node_of(f) for f in functions]


def test_order_is_topological_and_stable() -> None:
    @asset
    def a() -> int:
        return 1

    @asset
    def b(a: int) -> int:
        return a

    @asset
    def c(a: int, b: int) -> int:
        return a + b

    graph = Graph.build(nodes(c, b, a))
    position = {key: i for i, key in enumerate(graph.order)}
    for key, node in graph.nodes.items():
        assert all(position[up] < position[key] for up in node.upstream)
    assert graph.downstream_of("a") == {"b", "c"}
    assert graph.upstream_of("c", depth=1) == {"a", "b"}


def test_cycle_is_reported_with_its_path() -> None:
    @asset
    def a(c: int) -> int:
        return c

    @asset
    def b(a: int) -> int:
        return a

    @asset
    def c(b: int) -> int:
        return b

    with pytest.raises(CycleError) as caught:
        Graph.build(nodes(a, b, c))
    message = str(caught.value)
    assert "cycle" in message
    path = message.split(": ", 1)[1]
    steps = path.split(" -> ")
    assert steps[0] == steps[-1] and set(steps) == {"a", "b", "c"}


def test_missing_upstream_names_the_closest_key() -> None:
    @asset
    def iris_raw() -> int:
        return 1

    @asset
    def features(iris_rwa: int) -> int:
        return iris_rwa

    with pytest.raises(MissingUpstreamError, match=r"'features'.*'iris_rwa'.*Did you mean 'iris_raw'\?"):
        Graph.build(nodes(iris_raw, features))


def test_duplicate_key_names_both_sites() -> None:
    @asset(name="same")
    def first() -> int:
        return 1

    @asset(name="same")
    def second() -> int:
        return 2

    with pytest.raises(DuplicateKeyError) as caught:
        Graph.build(nodes(first, second))
    message = str(caught.value)
    assert f"test_graph.py:{first.__code__.co_firstlineno}" in message
    assert f"test_graph.py:{second.__code__.co_firstlineno}" in message
