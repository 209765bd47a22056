"""One grammar of names, checked where a name is defined, with the offending character.

Every name the grammar accepts is selectable by itself and storable as an artifact.
"""

from __future__ import annotations

import re
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headwater import AssetKey, ScheduleDefinition, asset, asset_check, define_asset_job, load_assets_from_modules
from headwater.airflow import DAG, PythonOperator, task
from headwater.definitions.graph import Graph
from headwater.definitions.names import MAX_NAME_LENGTH, check_asset_key, check_name
from headwater.definitions.node import node_of
from headwater.definitions.selection import resolve_selection
from headwater.errors import InvalidNameError
from headwater.execution.run import materialize

NAME_CHARACTERS = "abcXYZ019_-."


def one() -> int:
    return 1


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("a,b", "',' at position 1 is not allowed"),
        ("tag:k=v", "':' at position 3 is not allowed"),
        ("a\x00b", "'\\x00' at position 1 is not allowed"),
        ("two words", "' ' at position 3 is not allowed"),
        ("trailing\n", "'\\n' at position 8 is not allowed"),
        ("+model", "'+' at position 0 is not allowed"),
        ("*", "'*' at position 0 is not allowed"),
        ("modèle", "'è' at position 3 is not allowed"),
        ("", "it is empty"),
        ("x" * (MAX_NAME_LENGTH + 1), "it is 251 characters long, more than 250"),
        ("../../x", "'..' at position 0 is not allowed as a part"),
        ("..", "'..' at position 0 is not allowed as a part"),
        ("raw//x", "'/' at position 4 leaves an empty part"),
        ("/etc/passwd", "'/' at position 0 leaves an empty part"),
    ],
)
def test_asset_name_outside_the_grammar_is_refused_where_it_is_defined(name: str, shown: str) -> None:
    with pytest.raises(InvalidNameError) as caught:
        asset(name=name)(one)
    message = str(caught.value)
    assert message.startswith(f"invalid asset name {name!r} (at {__file__}:")
    assert shown in message
    assert "letters, digits, _ - ." in message


def test_the_message_reads_as_documented() -> None:
    with pytest.raises(InvalidNameError) as caught:
        check_asset_key("a,b")
    assert str(caught.value) == "invalid asset name 'a,b': ',' at position 1 is not allowed; names use letters, digits, _ - ."


def test_keys_prefixes_and_groups_are_checked_too() -> None:
    with pytest.raises(InvalidNameError, match=r"invalid asset key 'raw/\.\./x'.*'\.\.' at position 4"):
        asset(key=AssetKey(["raw", "..", "x"]))(one)
    with pytest.raises(InvalidNameError, match=r"invalid asset key 'my prefix/one'.*' ' at position 2"):
        asset(key_prefix="my prefix")(one)
    with pytest.raises(InvalidNameError, match=r"invalid group name 'a,b'.*',' at position 1"):
        asset(group="a,b")(one)
    with pytest.raises(InvalidNameError, match=r"invalid group name 'ml team'"):
        asset(group_name="ml team")(one)
    with pytest.raises(InvalidNameError, match=r"invalid asset check name 'not:null'.*':' at position 3"):
        asset_check(asset="one", name="not:null")(one)


def test_load_assets_from_modules_checks_its_prefix_and_group() -> None:
    def loaded() -> int:
        return 1

    module = types.ModuleType("some_assets")
    module.loaded = asset(loaded)  # type: ignore[attr-defined]
    with pytest.raises(InvalidNameError, match=r"invalid asset key 'raw/\.\./loaded'.*'\.\.' at position 4"):
        load_assets_from_modules([module], key_prefix=["raw", ".."])
    with pytest.raises(InvalidNameError, match=r"invalid group name 'a b'.*' ' at position 1"):
        load_assets_from_modules([module], group_name="a b")
    assert [node.key for node in load_assets_from_modules([module], key_prefix="raw")] == ["raw/loaded"]


def test_airflow_ids_jobs_and_schedules_are_checked_with_the_same_grammar() -> None:
    with pytest.raises(InvalidNameError, match=r"invalid dag_id 'etl\\n'.*'\\n' at position 3"):
        DAG("etl\n")
    with DAG("etl"):
        with pytest.raises(InvalidNameError, match=r"invalid task_id 'load,all'.*',' at position 4"):
            PythonOperator(task_id="load,all", python_callable=one)

        @task(task_id="tag:x")
        def tagged() -> int:
            return 1

        with pytest.raises(InvalidNameError, match=r"invalid task_id 'tag:x'.*':' at position 3"):
            tagged()
    with pytest.raises(InvalidNameError, match=r"invalid job name 'nightly run'.*' ' at position 7"):
        define_asset_job("nightly run")
    with pytest.raises(InvalidNameError, match=r"invalid schedule name '\+s'"):
        ScheduleDefinition(name="+s", job_name="j", cron_schedule="@daily")


@pytest.mark.parametrize(
    "task_id", ["extract", "load-2024.v1", "A_B", "..", "-x", "x" * MAX_NAME_LENGTH, "0"]
)
def test_every_airflow_task_id_is_accepted(task_id: str) -> None:
    """Airflow's ids: ASCII letters, digits, dashes, dots and underscores, at most 250."""
    with DAG("d") as dag:
        PythonOperator(task_id=task_id, python_callable=one)
    assert dag.task_ids == [task_id]
    assert check_name(task_id, "task_id") == task_id


@pytest.mark.parametrize("name", ["a.b-c", "-lead", "trail.", "raw/_x/y-1", "z" * MAX_NAME_LENGTH, "raw/..x"])
def test_accepted_names_are_storable_and_selectable(name: str) -> None:
    stored = asset(name=name)(one)
    result = materialize([stored], selection=name)
    assert result.success
    assert result.output_for(name) == 1


def graph_around(name: str) -> Graph:
    """``up ──> NAME ──> down``, with NAME in group NAME."""

    def up() -> int:
        return 1

    def middle(up: int) -> int:
        return up

    def down(middle: int) -> int:
        return middle

    up_node = node_of(asset(name="up_" if name != "up_" else "up__")(up))
    nodes = [
        up_node,
        node_of(asset(name=name, group=name.replace("/", "_"), ins={"up": _in(up_node.key)})(middle)),
        node_of(asset(name="down_" if name != "down_" else "down__", ins={"middle": _in(name)})(down)),
    ]
    return Graph.build(nodes)


def _in(key: str) -> object:
    from headwater import AssetIn

    return AssetIn(key)


names = st.one_of(
    st.text(alphabet=NAME_CHARACTERS, min_size=1, max_size=30),
    st.lists(st.text(alphabet=NAME_CHARACTERS, min_size=1, max_size=10), min_size=2, max_size=4).map("/".join),
    st.text(min_size=0, max_size=12),  # anything: refused, or selectable
)


@settings(max_examples=150, deadline=None)
@given(names)
def test_every_accepted_name_is_selectable_by_its_own_name(name: str) -> None:
    try:
        graph = graph_around(name)
    except InvalidNameError as exc:
        assert re.search(r"(at position \d+|it is empty|characters long)", str(exc))
        return
    up, down = graph.order[0], graph.order[2]
    assert resolve_selection(graph, name) == (name,)
    assert resolve_selection(graph, f"key:{name}") == (name,)
    assert resolve_selection(graph, f" {name} ,{name}") == (name,)
    assert resolve_selection(graph, f"+{name}") == (up, name)
    assert resolve_selection(graph, f"{name}+") == (name, down)
    assert resolve_selection(graph, f"*{name}*") == (up, name, down)
    if "/" not in name:
        assert resolve_selection(graph, f"group:{name}") == (name,)
