"""The template context of Airflow's "Templates reference", and Airflow 2 spellings that still work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from headwater.airflow import DAG, BashOperator, PythonOperator


def test_the_templates_reference_variables_of_a_daily_run(run_dag) -> None:
    template = (
        "{{ task_instance_key_str }}|{{ data_interval_start.isoformat() }}|{{ data_interval_end.isoformat() }}|"
        "{{ prev_ds }}|{{ next_ds }}|{{ yesterday_ds_nodash }}|{{ tomorrow_ds }}|{{ macros.ds_add(ds, 7) }}|"
        "{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}|{{ run_id == dag_run.run_id }}|"
        "{{ dag_run.data_interval_end == data_interval_end }}|{{ macros.uuid.UUID(int=0) }}"
    )
    with DAG("daily_ctx", schedule="@daily", start_date=datetime(2024, 1, 1)) as d:
        BashOperator(task_id="show", bash_command=f"echo '{template}'")
    result = run_dag([d], "daily_ctx", tags={"logical_date": "2024-03-10T00:00:00+00:00"})
    assert result.output_for("daily_ctx.show").split("|") == [
        "daily_ctx__show__20240310", "2024-03-10T00:00:00+00:00", "2024-03-11T00:00:00+00:00", "2024-03-09",
        "2024-03-11", "20240309", "2024-03-11", "2024-03-17", "10/03/2024", "True", "True",
        "00000000-0000-0000-0000-000000000000",
    ]


def test_a_template_naming_a_variable_not_provided_fails_as_undefined(run_dag) -> None:
    with DAG("undefined_ctx") as d:
        BashOperator(task_id="events", bash_command="echo {{ triggering_asset_events | length }} {{ no_such_thing }}")
    result = run_dag([d], "undefined_ctx")
    assert "'no_such_thing' is undefined" in result.steps["undefined_ctx.events"].error


def test_the_context_holds_every_name_taskflow_treats_as_context() -> None:
    """CONTEXT_KEYS (which TaskFlow parameters receive) and the built context agree."""
    from types import SimpleNamespace

    from headwater.definitions.airflow.context_keys import CONTEXT_KEYS
    from headwater.execution.airflow.context import airflow_context

    with DAG("keys_ctx") as d:
        task = BashOperator(task_id="t", bash_command="true")
    step = SimpleNamespace(run_id="r1", attempt=1, run_tags={}, log=None, first_started_at=0.0, reschedules=0)
    built = set(airflow_context(task, step))
    assert built - CONTEXT_KEYS == set()
    assert CONTEXT_KEYS - built == {"exception", "templates_dict"}  # set while the task runs


def _prior(ti, prev_data_interval_start_success, prev_data_interval_end_success, prev_start_date_success,
           prev_end_date_success, prev_execution_date_success, dag_run):
    if dag_run.conf.get("fail"):
        raise ValueError("this run fails")
    if prev_data_interval_start_success is None:
        return None
    assert prev_start_date_success <= prev_end_date_success
    assert prev_execution_date_success == prev_data_interval_start_success
    return [prev_data_interval_start_success.isoformat(), prev_data_interval_end_success.isoformat()]


def test_prev_success_variables_describe_the_latest_successful_run_with_an_earlier_logical_date(run_dag, instance) -> None:
    with DAG("history", schedule="@daily", start_date=datetime(2024, 1, 1)) as d:
        PythonOperator(task_id="prior", python_callable=_prior)

    def run(day: str, fail: bool = False):
        tags = {"logical_date": f"2024-01-{day}T00:00:00+00:00", "dag_run_conf": '{"fail": true}' if fail else "{}"}
        return run_dag([d], "history", tags=tags)

    assert run("01").output_for("history.prior") is None  # the first run has no prior success
    assert not run("02", fail=True).success  # a failed run is never the prior success
    run("05")  # a later logical date, run earlier: not prior to 01-03
    assert run("03").output_for("history.prior") == ["2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00"]
    scheduled = run_dag([d], "history", tags={  # a run the scheduler started carries its interval
        "logical_date": "2024-01-05T12:00:00+00:00", "data_interval_start": "2024-01-05T12:00:00+00:00",
        "data_interval_end": "2024-01-05T18:00:00+00:00", "dag_run_conf": "{}",
    })
    assert scheduled.success
    sixth = run("06")
    assert sixth.output_for("history.prior") == ["2024-01-05T12:00:00+00:00", "2024-01-05T18:00:00+00:00"]
    assert not any(tag.startswith("headwater/airflow") for tag in instance.store.get_run(sixth.run_id).tags)


def test_provide_context_is_accepted_with_a_deprecation_warning(run_dag) -> None:
    with DAG("legacy") as d, pytest.warns(DeprecationWarning, match="provide_context is deprecated"):
        PythonOperator(task_id="old", python_callable=lambda **ctx: ctx["ds"], provide_context=True)
    result = run_dag([d], "legacy", tags={"logical_date": "2024-01-02T00:00:00+00:00"})
    assert result.output_for("legacy.old") == "2024-01-02"


def test_schedule_interval_is_accepted_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="schedule_interval is deprecated"):
        d = DAG("old_schedule", schedule_interval=timedelta(hours=6), start_date=datetime(2024, 1, 1))
    assert d.schedule == timedelta(hours=6)
