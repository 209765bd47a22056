"""``@asset`` registers a node and returns the very same, still callable, function."""

from __future__ import annotations

import pytest

from headwater import AssetIn, AssetKey, asset
from headwater.definitions.node import node_of


@asset
def raw() -> list[int]:
    return [1, 2, 3]


@asset(group="stats", tags={"team": "ml"}, retries=2, code_version="v1", description="the sum")
def total(raw: list[int]) -> int:
    return sum(raw)


@asset(deps=[raw])
def report(context, total: int) -> str:
    return f"total={total}"


def test_decorated_function_is_the_plain_function() -> None:
    assert total([1, 2]) == 3
    assert raw() == [1, 2, 3]


def test_parameters_become_inputs_and_context_is_not_one() -> None:
    node = node_of(report)
    assert node is not None
    assert node.takes_context
    assert dict(node.inputs) == {"total": "total"}
    assert node.upstream == ("total", "raw")


def test_options_are_kept() -> None:
    node = node_of(total)
    assert node is not None
    assert node.options.group == "stats"
    assert dict(node.options.tags) == {"team": "ml"}
    assert node.options.retry.max_retries == 2
    assert node.options.code_version == "v1"
    assert node.options.description == "the sum"
    assert node.defined_at.endswith("test_asset.py:" + str(total.__code__.co_firstlineno))


def test_name_key_prefix_and_ins() -> None:
    @asset(name="renamed", ins={"values": AssetIn("raw")})
    def f(values: list[int]) -> int:
        return len(values)

    @asset(key_prefix=["warehouse"])
    def table() -> int:
        return 1

    @asset(key=AssetKey(["a", "b"]))
    def keyed() -> int:
        return 1

    assert node_of(f).key == "renamed"
    assert dict(node_of(f).inputs) == {"values": "raw"}
    assert node_of(table).key == "warehouse/table"
    assert node_of(keyed).key == "a/b"


def test_ins_through_kwargs_for_wide_fan_in() -> None:
    @asset(ins={f"leaf_{i}": AssetIn(f"leaf_{i}") for i in range(3)})
    def sink(**leaves: int) -> int:
        return sum(leaves.values())

    assert set(node_of(sink).inputs) == {"leaf_0", "leaf_1", "leaf_2"}


def test_unknown_option_and_bad_ins_are_rejected() -> None:
    with pytest.raises(TypeError, match="unknown options \\['colour'\\]"):
        asset(colour="red")
    with pytest.raises(TypeError, match="ins names parameters it does not have"):

        @asset(ins={"nope": AssetIn("raw")})
        def g(raw: int) -> int:
            return raw
