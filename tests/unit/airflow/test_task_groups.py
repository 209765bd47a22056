"""Task groups and edge labels: ids prefixed as Airflow does, ``>>`` between groups, nesting.

The nested DAG::

    start ──> etl.extract.users ──┐
          └─> etl.extract.orders ─┴─> etl.load ──> report
"""

from __future__ import annotations

import pytest

from headwater.airflow import DAG, EmptyOperator, Label, PythonOperator, TaskGroup, dag, task, task_group
from headwater.errors import DefinitionError, DuplicateKeyError


def test_nested_groups_prefix_ids_and_link_by_roots_and_leaves(run_dag) -> None:
    with DAG("nested") as d:
        start = EmptyOperator(task_id="start")
        with TaskGroup("etl", default_args={"retries": 2}) as etl:
            with TaskGroup("extract") as extract:
                users = PythonOperator(task_id="users", python_callable=lambda: ["ann"])
                orders = PythonOperator(task_id="orders", python_callable=lambda: [1, 2])
            load = EmptyOperator(task_id="load")
            extract >> load
        report = EmptyOperator(task_id="report", retries=0)
        start >> etl >> report
    assert (users.task_id, orders.task_id, load.task_id) == ("etl.extract.users", "etl.extract.orders", "etl.load")
    assert extract.group_id == "etl.extract"
    assert {t.task_id for t in etl.get_roots()} == {"etl.extract.users", "etl.extract.orders"}
    assert [t.task_id for t in etl.get_leaves()] == ["etl.load"]
    assert start.downstream_task_ids == {"etl.extract.users", "etl.extract.orders"}
    assert report.upstream_task_ids == {"etl.load"}
    assert (users.retries, report.retries) == (2, 0)
    result = run_dag([d], "nested")
    assert result.success, result.failures
    assert result.output_for("nested.etl.extract.users") == ["ann"]
    order = [key for key in d.topological_task_ids()]
    assert order.index("etl.load") > order.index("etl.extract.orders")


def test_prefix_group_id_false_keeps_task_ids() -> None:
    with DAG("plain_ids"), TaskGroup("g", prefix_group_id=False):
        assert EmptyOperator(task_id="t").task_id == "t"


def test_group_to_group_links_leaves_to_roots() -> None:
    with DAG("g2g"):
        with TaskGroup("one") as one:
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            a >> b
        with TaskGroup("two") as two:
            c = EmptyOperator(task_id="c")
        one >> two
    assert c.upstream_task_ids == {"one.b"}


def test_task_group_decorator_returns_the_value_or_the_group(run_dag) -> None:
    @task
    def add(x: int, y: int) -> int:
        return x + y

    @task_group
    def compute(x):
        return add(add(x, 1), 10)

    @task_group(group_id="checks")
    def checks():
        EmptyOperator(task_id="one")

    @dag(dag_id="decorated")
    def decorated():
        first = compute(1)
        second = compute(first)
        first >> checks()

    d = decorated()
    assert {"compute.add", "compute.add__1", "compute__1.add", "compute__1.add__1", "checks.one"} == set(d.task_ids)
    result = run_dag([d], "decorated")
    assert result.output_for("decorated.compute__1.add__1") == 23
    assert d.get_task("checks.one").upstream_task_ids == {"compute.add__1"}


def test_a_group_id_used_twice_is_refused() -> None:
    with DAG("dup"), TaskGroup("g"):
        pass
    with DAG("dup2") as d2:
        TaskGroup("g")
        with pytest.raises(DuplicateKeyError, match="group_id 'g' has already been added"):
            TaskGroup("g", dag=d2)


def test_labels_link_tasks_and_name_the_edge() -> None:
    with DAG("labelled") as d:
        check = EmptyOperator(task_id="check")
        good, bad = EmptyOperator(task_id="good"), EmptyOperator(task_id="bad")
        check >> Label("valid") >> good
        check >> Label("invalid") >> bad
    assert check.downstream_task_ids == {"good", "bad"}
    assert d.edge_labels == {("check", "good"): "valid", ("check", "bad"): "invalid"}
