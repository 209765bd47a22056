"""Mapped task groups (``@task_group`` + ``.expand``), with Airflow's semantics.

The DAG of the first test, for files ``[a, b, c]``::

    list_files ──> process.read[0..2] ──> process.tag[0..2] ──> process.done[0..2] ──> summary
                                 (suffix "!" fixed by .partial)

Instance ``i`` of each task of the group sees element ``i``; a task of the group receives the
value of instance ``i`` of the group's other tasks; ``summary``, outside, receives the list.
"""

from __future__ import annotations

import pytest

from headwater.airflow import DAG, EmptyOperator, PythonOperator, dag, task, task_group
from headwater.errors import DefinitionError


@task
def list_files() -> list[str]:
    return ["a.csv", "b.csv", "c.csv"]


@task
def read(name: str) -> str:
    return name.upper()


@task
def tag(content: str, suffix: str, ti=None) -> str:
    return f"{content}{suffix}#{ti.map_index}"


@task
def summary(values: list) -> str:
    return ",".join(values)


@task_group
def process(name: str, suffix: str):
    tagged = tag(read(name), suffix)
    tagged >> EmptyOperator(task_id="done")
    return tagged


def test_each_task_of_the_group_runs_once_per_element_with_its_index(run_dag) -> None:
    @dag(schedule=None)
    def files():
        summary(process.partial(suffix="!").expand(name=list_files()))

    built = files()
    assert set(built.task_ids) == {"list_files", "process.read", "process.tag", "process.done", "summary"}
    # every task of the group waits for what the group maps over
    assert built.get_task("process.done").upstream_task_ids == {"process.tag", "list_files"}
    result = run_dag([built], "files")
    assert result.success, result.failures
    assert result.output_for("files.process.read") == ["A.CSV", "B.CSV", "C.CSV"]
    assert result.output_for("files.process.tag") == ["A.CSV!#0", "B.CSV!#1", "C.CSV!#2"]
    assert result.output_for("files.summary") == "A.CSV!#0,B.CSV!#1,C.CSV!#2"


def test_several_parameters_give_their_cross_product_and_expand_kwargs_one_instance_per_dict(run_dag) -> None:
    @task
    def pair(x: int, y: str) -> str:
        return f"{x}{y}"

    @task_group
    def grid(x: int, y: str):
        return pair(x, y)

    @task
    def collect(values: list) -> list:
        return values

    @dag(schedule=None)
    def product():
        collect.override(task_id="crossed")(grid.expand(x=[1, 2], y=["a", "b"]))
        collect.override(task_id="listed")(grid.expand_kwargs([{"x": 7, "y": "z"}, {"x": 8, "y": "w"}]))

    result = run_dag([product()], "product")
    assert result.success, result.failures
    assert result.output_for("product.crossed") == ["1a", "1b", "2a", "2b"]
    assert result.output_for("product.listed") == ["7z", "8w"]


def test_a_pull_inside_the_group_gets_this_instances_value_and_classic_operators_are_mapped_too(run_dag) -> None:
    def pulled(ti) -> str:
        return f"{ti.xcom_pull(task_ids='g.first')}@{ti.map_index}"

    @task_group
    def g(n: int):
        @task
        def first(n: int) -> int:
            return n * 10

        first(n) >> PythonOperator(task_id="second", python_callable=pulled)

    @dag(schedule=None)
    def pulls():
        g.expand(n=[1, 2])

    result = run_dag([pulls()], "pulls")
    assert result.success, result.failures
    assert result.output_for("pulls.g.second") == ["10@0", "20@1"]


def test_a_group_mapped_over_nothing_skips_its_tasks(run_dag) -> None:
    @task
    def nothing() -> list:
        return []

    @dag(schedule=None)
    def empty():
        summary(process.partial(suffix="?").expand(name=nothing()))

    result = run_dag([empty()], "empty")
    states = {key.removeprefix("empty."): str(r.status) for key, r in result.steps.items()}
    assert states == {
        "nothing": "SUCCESS", "process.read": "SKIPPED", "process.tag": "SKIPPED", "process.done": "SKIPPED",
        "summary": "SKIPPED",
    }
    assert result.steps["empty.process.read"].reason == "mapped over an empty list: no task instances"


def test_mapping_inside_a_mapped_group_is_refused() -> None:
    @task_group
    def inner(n: int):
        return read(n)

    @task_group
    def outer(n: int):
        inner.expand(n=[1])

    @task_group
    def maps_a_task(n: int):
        read.expand(name=["x"])

    with DAG("nested_mapping"):
        with pytest.raises(DefinitionError, match="a mapped task group inside a mapped task group is not supported"):
            outer.expand(n=[1, 2])
        with pytest.raises(DefinitionError, match="mapping a task inside mapped task group 'maps_a_task'"):
            maps_a_task.expand(n=[1])
