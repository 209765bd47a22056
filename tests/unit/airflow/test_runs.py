"""Running DAGs on the engine: XCom of any value, TaskFlow values and .expand(), retries, mixing dialects."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from headwater.airflow import DAG, BaseOperator, PythonOperator, dag, get_current_context, task
from headwater.storage.records import StepStatus


def test_classic_dag_passes_a_dataframe_and_a_model_through_xcom(load, run_dag):
    result = run_dag(load("airflow_classic"), "classic", tags={"logical_date": "2024-03-05T06:00:00+00:00"})
    assert result.success, result.failures
    checked = result.output_for("classic.check")
    assert checked["predictions"] == [0, 0, 1, 1]
    assert checked["model_type"] == "LogisticRegression"
    assert checked["both"] == ["2024-03-05", {"rows": 4}]  # a list of task ids gives a list
    assert checked["never_pushed"] is None
    assert checked["ds_matches"] is True
    assert result.output_for("classic.make_frame") == "2024-03-05"


def test_pull_from_a_task_not_upstream_warns(run_dag, caplog):
    def early(ti):
        return ti.xcom_pull(task_ids="late")

    with DAG("w") as d:
        PythonOperator(task_id="early", python_callable=early)
        PythonOperator(task_id="late", python_callable=lambda: 1)
    with caplog.at_level(logging.WARNING):
        result = run_dag([d], "w")
    assert result.success
    assert result.output_for("w.early") is None
    assert any("not upstream" in record.getMessage() for record in caplog.records)


def test_pull_from_an_ancestor_does_not_warn(run_dag, caplog):
    def grandparent():
        return "from afar"

    def grandchild(ti):
        return ti.xcom_pull(task_ids="grandparent")

    with DAG("far") as d:
        first = PythonOperator(task_id="grandparent", python_callable=grandparent)
        middle = PythonOperator(task_id="middle", python_callable=lambda: None)
        last = PythonOperator(task_id="grandchild", python_callable=grandchild)
        first >> middle >> last
    with caplog.at_level(logging.WARNING):
        result = run_dag([d], "far")
    assert result.output_for("far.grandchild") == "from afar"
    assert not any("not upstream" in record.getMessage() for record in caplog.records)


def test_context_kwargs_op_args_op_kwargs_and_templates(run_dag):
    seen = {}

    def named(a, b, ds, ti, params, run_id, dag, logical_date, templates_dict):
        seen["named"] = (a, b, ds, ti.task_id, params, run_id, dag.dag_id, logical_date.year, templates_dict)

    def everything(**kwargs):
        seen["keys"] = set(kwargs)
        seen["current"] = get_current_context()["ti"].task_id

    with DAG("ctx", params={"n": 5}, default_args={"retries": 0}) as d:
        PythonOperator(
            task_id="named", python_callable=named, op_args=[1], op_kwargs={"b": "{{ ds_nodash }}-{{ params.n }}"},
            templates_dict={"day": "{{ ds }}"},
        )
        PythonOperator(task_id="everything", python_callable=everything)
    result = run_dag([d], "ctx", tags={"logical_date": "2024-01-31T00:00:00+00:00"})
    assert result.success, result.failures
    a, b, ds, task_id, params, run_id, dag_id, year, templates = seen["named"]
    assert (a, b, ds, task_id, params, run_id, dag_id, year) == (1, "20240131-5", "2024-01-31", "named", {"n": 5},
                                                                   result.run_id, "ctx", 2024)
    assert templates == {"day": "2024-01-31"}
    assert {"ti", "task_instance", "ds", "ts", "logical_date", "execution_date", "dag_run", "params",
            "data_interval_start", "data_interval_end"} <= seen["keys"]
    assert seen["current"] == "everything"


def test_get_current_context_outside_a_task_raises():
    with pytest.raises(RuntimeError, match="no context"):
        get_current_context()


def test_taskflow_expand_fans_out_and_downstream_gets_the_list(load, run_dag, capsys):
    result = run_dag(load("airflow_taskflow"), "mapped_flow")
    assert result.success, result.failures
    assert result.output_for("mapped_flow.double") == [2, 4, 6]
    assert result.output_for("mapped_flow.total") == 12


def test_expand_over_several_arguments_is_the_cross_product_and_logs_map_index(run_dag, caplog):
    @task
    def pair(a, b):
        return f"{a}{b}"

    @task
    def join(values):
        return ",".join(values)

    @dag(dag_id="cross")
    def cross():
        join(pair.expand(a=[1, 2], b=["x", "y"]))

    with caplog.at_level(logging.INFO):
        result = run_dag([cross()], "cross")
    assert result.output_for("cross.join") == "1x,1y,2x,2y"
    assert "pair: map_index=3 (4 of 4)" in caplog.text


def test_classic_operator_partial_expand(run_dag):
    with DAG("classic_map") as d:
        PythonOperator.partial(task_id="square", python_callable=lambda x: x * x).expand(op_args=[[1], [2], [3]])
    result = run_dag([d], "classic_map")
    assert result.output_for("classic_map.square") == [1, 4, 9]


def test_default_args_retries_rerun_a_flaky_task(run_dag):
    attempts = []

    @task
    def flaky():
        attempts.append(get_current_context()["ti"].try_number)
        if len(attempts) < 3:
            raise RuntimeError("flaky")
        return "ok"

    @dag(dag_id="retrying", default_args={"retries": 2, "retry_delay": timedelta(seconds=0)})
    def retrying():
        flaky()

    result = run_dag([retrying()], "retrying")
    assert result.success
    assert attempts == [1, 2, 3]
    assert result.steps["retrying.flaky"].attempts == 3


def test_a_task_failing_for_good_calls_its_failure_callback_and_skips_downstream(run_dag):
    calls = []

    def boom():
        raise ValueError("bad row")

    with DAG("failing", default_args={"retries": 1, "retry_delay": 0,
                                      "on_retry_callback": lambda c: calls.append(("retry", c["ti"].try_number)),
                                      "on_failure_callback": lambda c: calls.append(("failure", str(c["exception"])))}):
        first = PythonOperator(task_id="boom", python_callable=boom)
        first >> PythonOperator(task_id="after", python_callable=lambda: None)
    result = run_dag([first.dag], "failing")
    assert not result.success
    assert result.steps["failing.boom"].status is StepStatus.FAILURE
    assert "ValueError: bad row" in result.steps["failing.boom"].error
    assert result.steps["failing.after"].status is StepStatus.UPSTREAM_FAILED
    assert calls == [("retry", 1), ("failure", "bad row")]


def test_mixed_graph_of_an_asset_and_a_task(load, instance):
    from headwater.execution.run import execute

    result = execute(load("airflow_mixed"), "*", instance=instance)
    assert result.success, result.failures
    assert result.output_for("mixed.summarize") == {"sum": 15, "has_ds": True}


def test_multiple_outputs_push_each_key(run_dag):
    @task
    def split() -> dict[str, int]:
        return {"a": 1, "b": 2}

    @task
    def add(a, b):
        return a + b

    @dag(dag_id="multi")
    def multi():
        parts = split()
        add(parts["a"], parts["b"])

    result = run_dag([multi()], "multi")
    assert result.output_for("multi.add") == 3


def test_custom_operator_with_templated_field(run_dag):
    class Greet(BaseOperator):
        template_fields = ("name",)

        def __init__(self, *, name: str, **kwargs):
            super().__init__(**kwargs)
            self.name = name

        def execute(self, context):
            return f"hello {self.name}"

    with DAG("greet") as d:
        Greet(task_id="greet", name="{{ dag.dag_id }} on {{ ds }}")
    result = run_dag([d], "greet", tags={"logical_date": "2024-02-01"})
    assert result.output_for("greet.greet") == "hello greet on 2024-02-01"
