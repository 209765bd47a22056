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
        BashOperator(task_id="prev", bash_command="echo {{ prev_data_interval_start_success }}")
    result = run_dag([d], "undefined_ctx")
    assert "'prev_data_interval_start_success' is undefined" in result.steps["undefined_ctx.prev"].error


def test_provide_context_is_accepted_with_a_deprecation_warning(run_dag) -> None:
    with DAG("legacy") as d, pytest.warns(DeprecationWarning, match="provide_context is deprecated"):
        PythonOperator(task_id="old", python_callable=lambda **ctx: ctx["ds"], provide_context=True)
    result = run_dag([d], "legacy", tags={"logical_date": "2024-01-02T00:00:00+00:00"})
    assert result.output_for("legacy.old") == "2024-01-02"


def test_schedule_interval_is_accepted_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="schedule_interval is deprecated"):
        d = DAG("old_schedule", schedule_interval=timedelta(hours=6), start_date=datetime(2024, 1, 1))
    assert d.schedule == timedelta(hours=6)
