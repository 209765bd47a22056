"""Branching and short-circuits: one, several or no chosen branches, and the join after them.

The branch DAG::

                  ┌──> a ──┐
    start ──> pick ├──> b ──┼──> join (none_failed_min_one_success)
                  └──> c ──┘
"""

from __future__ import annotations

import pytest

from headwater.airflow import (
    DAG,
    BaseBranchOperator,
    BranchPythonOperator,
    EmptyOperator,
    PythonOperator,
    ShortCircuitOperator,
    dag,
    task,
)
from headwater.storage.records import StepStatus

S, K, F = StepStatus.SUCCESS, StepStatus.SKIPPED, StepStatus.FAILURE


def states(result, dag_id: str) -> dict[str, StepStatus]:
    return {key.removeprefix(f"{dag_id}."): record.status for key, record in result.steps.items()}


def branch_dag(choice) -> DAG:
    with DAG("branchy") as d:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: choice)
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        EmptyOperator(task_id="start") >> pick >> [EmptyOperator(task_id=n) for n in "abc"] >> join
    return d


@pytest.mark.parametrize(
    ("choice", "ran"),
    [("b", {"b"}), (["a", "c"], {"a", "c"}), (None, set()), ([], set())],
)
def test_a_branch_runs_the_chosen_paths_and_skips_the_others(run_dag, choice, ran) -> None:
    result = run_dag([branch_dag(choice)], "branchy")
    assert result.success
    got = states(result, "branchy")
    assert {n: got[n] for n in "abc"} == {n: S if n in ran else K for n in "abc"}
    assert got["join"] is (S if ran else K)
    if "a" not in ran:
        assert result.steps["branchy.a"].reason.startswith("branch 'pick' chose")
    assert result.output_for("branchy.pick") == choice


def test_a_join_with_the_default_rule_is_skipped_after_a_branch(run_dag) -> None:
    with DAG("default_join") as d:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "a")
        pick >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")] >> EmptyOperator(task_id="join")
    got = states(run_dag([d], "default_join"), "default_join")
    assert (got["a"], got["b"], got["join"]) == (S, K, K)


def test_a_branch_naming_an_unknown_task_fails_clearly(run_dag) -> None:
    result = run_dag([branch_dag("nope")], "branchy")
    assert result.steps["branchy.pick"].status is F
    assert "Invalid tasks found: ['nope']" in result.steps["branchy.pick"].error
    assert states(result, "branchy")["a"] is StepStatus.UPSTREAM_FAILED


def test_base_branch_operator_choose_branch(run_dag) -> None:
    class EvenOdd(BaseBranchOperator):
        def choose_branch(self, context):
            return "even" if context["params"]["n"] % 2 == 0 else "odd"

    with DAG("parity", params={"n": 3}) as d:
        EvenOdd(task_id="parity") >> [EmptyOperator(task_id="even"), EmptyOperator(task_id="odd")]
    got = states(run_dag([d], "parity"), "parity")
    assert (got["even"], got["odd"]) == (K, S)


def test_taskflow_branch_and_a_chosen_task_further_down_keeps_its_path(run_dag) -> None:
    @task.branch
    def route(size: int) -> str:
        return "big" if size > 10 else "small"

    @task
    def size() -> int:
        return 42

    @dag(dag_id="routing")
    def routing():
        chosen = route(size())
        big, small = EmptyOperator(task_id="big"), EmptyOperator(task_id="small")
        chosen >> [big, small]

    got = states(run_dag([routing()], "routing"), "routing")
    assert (got["big"], got["small"]) == (S, K)


@pytest.mark.parametrize(("ignore", "expected_final"), [(True, K), (False, S)])
def test_short_circuit_skips_downstream_honouring_ignore_downstream_trigger_rules(run_dag, ignore, expected_final):
    with DAG("circuit") as d:
        check = ShortCircuitOperator(
            task_id="check", python_callable=lambda: False, ignore_downstream_trigger_rules=ignore
        )
        after = EmptyOperator(task_id="after")
        final = EmptyOperator(task_id="final", trigger_rule="all_done")
        check >> after >> final
    result = run_dag([d], "circuit")
    got = states(result, "circuit")
    assert (got["check"], got["after"], got["final"]) == (S, K, expected_final)
    assert result.steps["circuit.after"].reason == "short-circuited by 'check' (condition False)"


def test_taskflow_short_circuit_lets_downstream_run_when_true(run_dag) -> None:
    @task.short_circuit
    def is_weekday() -> bool:
        return True

    @task
    def report() -> str:
        return "sent"

    @dag(dag_id="weekday")
    def weekday():
        is_weekday() >> report()

    result = run_dag([weekday()], "weekday")
    assert result.output_for("weekday.report") == "sent"
