"""Task states beyond success and failure: trigger rules, skips, fail-without-retry, and
values that reach a task through templates (``XComArg`` in an f-string, template files).

The DAG most tests use::

    ok ───┐
    bad ──┼──> <one task per trigger rule, each downstream of the two upstream tasks named>
    skip ─┘
"""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.airflow import (
    DAG,
    AirflowFailException,
    AirflowSkipException,
    BashOperator,
    EmptyOperator,
    PythonOperator,
    TriggerRule,
    dag,
    task,
)
from headwater.errors import DefinitionError
from headwater.storage.records import StepStatus

S, F, K, UF = StepStatus.SUCCESS, StepStatus.FAILURE, StepStatus.SKIPPED, StepStatus.UPSTREAM_FAILED


def fail() -> None:
    raise ValueError("bad")


def skip() -> None:
    raise AirflowSkipException("nothing to do today")


def states(result, dag_id: str) -> dict[str, StepStatus]:
    return {key.removeprefix(f"{dag_id}."): record.status for key, record in result.steps.items()}


@pytest.mark.parametrize(
    ("upstream", "expected"),
    [
        (("ok", "bad"), {"all_success": UF, "all_failed": K, "all_done": S, "one_success": S, "one_failed": S,
                         "none_failed": UF, "none_skipped": S, "always": S, "one_done": S}),
        (("ok", "skip"), {"all_success": K, "all_failed": K, "all_done": S, "one_success": S, "one_failed": K,
                          "none_failed": S, "none_failed_min_one_success": S, "none_skipped": K, "all_skipped": K}),
        (("bad", "bad2"), {"all_failed": S, "one_success": UF, "all_done_min_one_success": UF, "one_done": S}),
        (("skip", "skip2"), {"all_skipped": S, "none_failed_min_one_success": K, "one_success": K, "one_done": K}),
    ],
)
def test_a_downstream_task_runs_or_not_by_its_trigger_rule(run_dag, upstream, expected) -> None:
    callables = {"ok": lambda: "fine", "bad": fail, "bad2": fail, "skip": skip, "skip2": skip}
    with DAG("rules") as d:
        first, second = (PythonOperator(task_id=name, python_callable=callables[name]) for name in upstream)
        for rule in expected:
            [first, second] >> EmptyOperator(task_id=rule, trigger_rule=rule)
    result = run_dag([d], "rules")
    got = states(result, "rules")
    assert {rule: got[rule] for rule in expected} == expected
    assert result.success is ("bad" not in upstream)


def test_a_skipped_task_does_not_fail_the_run_and_says_why(run_dag) -> None:
    with DAG("skips") as d:
        gate = PythonOperator(task_id="gate", python_callable=skip)
        gate >> EmptyOperator(task_id="after") >> EmptyOperator(task_id="later")
    result = run_dag([d], "skips")
    assert result.success
    assert states(result, "skips") == {"gate": K, "after": K, "later": K}
    assert result.steps["skips.gate"].reason == "nothing to do today"
    assert result.steps["skips.later"].reason == "upstream 'skips.after' skipped"


def test_an_upstream_failure_propagates_as_upstream_failed_until_a_rule_runs_anyway(run_dag) -> None:
    with DAG("cleanup") as d:
        work = PythonOperator(task_id="work", python_callable=fail)
        report = EmptyOperator(task_id="report")
        teardown = PythonOperator(task_id="teardown", python_callable=lambda: "cleaned", trigger_rule=TriggerRule.ALL_DONE)
        work >> report >> teardown
    result = run_dag([d], "cleanup")
    assert states(result, "cleanup") == {"work": F, "report": UF, "teardown": S}
    assert result.steps["cleanup.report"].reason == "upstream 'cleanup.work' failed"
    assert result.output_for("cleanup.teardown") == "cleaned"
    assert not result.success


def test_a_taskflow_task_run_after_a_failure_receives_none_for_the_missing_value(run_dag) -> None:
    @task
    def produce() -> int:
        raise ValueError("no value")

    @task(trigger_rule="all_done")
    def consume(value):
        return f"got {value!r}"

    @dag(dag_id="missing_value")
    def missing_value():
        consume(produce())

    result = run_dag([missing_value()], "missing_value")
    assert result.output_for("missing_value.consume") == "got None"


def test_an_invalid_trigger_rule_is_refused_at_definition() -> None:
    with DAG("bad_rule"), pytest.raises(DefinitionError, match="trigger rule must be one of .*received 'all_sucess'"):
        EmptyOperator(task_id="x", trigger_rule="all_sucess")


def test_airflow_fail_exception_fails_at_once_without_retries(run_dag) -> None:
    attempts = []

    def give_up() -> None:
        attempts.append(1)
        raise AirflowFailException("the input is wrong, retrying will not help")

    with DAG("no_retry", default_args={"retries": 3, "retry_delay": 0}) as d:
        PythonOperator(task_id="give_up", python_callable=give_up)
    result = run_dag([d], "no_retry")
    assert len(attempts) == 1
    record = result.steps["no_retry.give_up"]
    assert (record.status, record.attempts) == (F, 1)
    assert "the input is wrong" in record.error


def test_on_skipped_callback_is_called(run_dag) -> None:
    seen = []
    with DAG("skip_cb") as d:
        PythonOperator(task_id="gate", python_callable=skip, on_skipped_callback=lambda ctx: seen.append(ctx["ti"].task_id))
    run_dag([d], "skip_cb")
    assert seen == ["gate"]


def test_an_xcomarg_in_an_fstring_renders_to_the_value(run_dag) -> None:
    @task
    def name() -> str:
        return "world"

    @dag(dag_id="fstring")
    def fstring():
        who = name()
        greet = BashOperator(task_id="greet", bash_command=f"echo hello {who}")
        who >> greet

    result = run_dag([fstring()], "fstring")
    assert result.output_for("fstring.greet") == "hello world"


def test_templates_exts_reads_the_templated_value_from_a_file_next_to_the_dag(run_dag, tmp_path: Path) -> None:
    (tmp_path / "query.sql").write_text("SELECT * FROM sales WHERE day = '{{ ds }}'")
    with DAG("sql", template_searchpath=[str(tmp_path)]) as d:
        PythonOperator(
            task_id="render", python_callable=lambda templates_dict: templates_dict["query"],
            templates_dict={"query": "query.sql"}, templates_exts=[".sql"],
        )
    result = run_dag([d], "sql", tags={"logical_date": "2024-05-01T00:00:00+00:00"})
    assert result.output_for("sql.render") == "SELECT * FROM sales WHERE day = '2024-05-01'"


def test_a_classic_partial_expand_over_another_tasks_output_runs_after_it(run_dag) -> None:
    """``commands >> echo`` comes only from ``.expand(bash_command=commands.output)``."""
    with DAG("mapped_edge") as d:
        commands = PythonOperator(task_id="commands", python_callable=lambda: ["echo a", "echo b"])
        prefix = PythonOperator(task_id="prefix", python_callable=lambda: "P")
        echo = BashOperator.partial(task_id="echo", env={"PREFIX": prefix.output}).expand(
            bash_command=commands.output
        )
    assert echo.upstream_task_ids == {"commands", "prefix"}
    result = run_dag([d], "mapped_edge", executor="thread")
    assert result.success, result.failures
    assert result.output_for("mapped_edge.echo") == ["a", "b"]
