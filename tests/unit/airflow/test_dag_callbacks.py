"""A DAG's on_success_callback / on_failure_callback, called once its run has ended, as in Airflow."""

from __future__ import annotations

from headwater.airflow import DAG, EmptyOperator, PythonOperator


def _fail() -> None:
    raise ValueError("bad batch")


def test_the_success_callback_gets_the_last_tasks_context_and_the_reason(run_dag) -> None:
    seen: list[tuple[str, str, str]] = []
    with DAG("cb_ok", on_success_callback=lambda ctx: seen.append((ctx["reason"], ctx["ti"].task_id, ctx["ds"])),
             on_failure_callback=lambda ctx: seen.append(("wrong", "", ""))) as d:
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="last")
    assert run_dag([d], "cb_ok", tags={"logical_date": "2024-02-03T00:00:00+00:00"}).success
    assert seen == [("success", "last", "2024-02-03")]


def test_the_failure_callbacks_get_the_failed_tasks_context_and_a_raising_one_is_logged(run_dag, instance) -> None:
    seen: list[tuple[str, str]] = []

    def broken(context) -> None:  # noqa: ANN001
        raise RuntimeError("pager unreachable")

    with DAG("cb_fail", on_failure_callback=[broken, lambda ctx: seen.append((ctx["reason"], ctx["ti"].task_id))]) as d:
        PythonOperator(task_id="load", python_callable=_fail) >> EmptyOperator(task_id="report")
    result = run_dag([d], "cb_fail")
    assert not result.success
    assert seen == [("task_failure", "load")]  # the second callback still ran
    logged = [line.text for line in instance.store.get_logs(result.run_id, "cb_fail.load")]
    assert any("DAG 'cb_fail' callback broken failed" in line and "pager unreachable" in line for line in logged)
