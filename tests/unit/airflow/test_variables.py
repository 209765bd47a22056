"""Airflow Variables and Connections: environment first, then the run store; in tasks and templates."""

from __future__ import annotations

import json

import pytest

from headwater.airflow import DAG, BaseHook, BashOperator, Connection, PythonOperator, Variable
from headwater.definitions.airflow.variables import AirflowNotFoundException


def test_a_variable_set_is_read_back_and_the_environment_wins(instance, monkeypatch) -> None:
    Variable.set("region", "eu-west-1", description="where the data lives")
    Variable.set("limits", {"rows": 10}, serialize_json=True)
    assert Variable.get("region") == "eu-west-1"
    assert Variable.get("limits", deserialize_json=True) == {"rows": 10}
    monkeypatch.setenv("AIRFLOW_VAR_REGION", "us-east-2")
    assert Variable.get("region") == "us-east-2"
    assert [v.name for v in instance.store.list_named_values("variable")] == ["limits", "region"]


def test_a_missing_variable_raises_unless_a_default_is_given(instance) -> None:
    with pytest.raises(KeyError, match="Variable nope does not exist"):
        Variable.get("nope")
    assert Variable.get("nope", default_var="fallback") == "fallback"
    assert Variable.setdefault("created", "first") == "first"
    assert Variable.setdefault("created", "second") == "first"
    assert Variable.delete("created") == 1 and Variable.delete("created") == 0


def test_connections_from_a_uri_json_and_the_environment(instance, monkeypatch) -> None:
    parsed = Connection(conn_id="db", uri="postgres://ann:s%40cret@db.example.com:5433/sales?sslmode=require")
    assert (parsed.conn_type, parsed.host, parsed.login, parsed.password, parsed.port, parsed.schema) == (
        "postgres", "db.example.com", "ann", "s@cret", 5433, "sales"
    )
    assert parsed.extra_dejson == {"sslmode": "require"}
    assert Connection.parse(parsed.get_uri()).password == "s@cret"
    instance.store.set_named_value("connection", "db", parsed.get_uri())
    assert BaseHook.get_connection("db").host == "db.example.com"
    monkeypatch.setenv("AIRFLOW_CONN_API", json.dumps({"conn_type": "http", "host": "api.example.com",
                                                       "extra": {"token": "t"}}))
    api = BaseHook.get_connection("api")
    assert (api.conn_type, api.host, api.extra_dejson) == ("http", "api.example.com", {"token": "t"})
    with pytest.raises(AirflowNotFoundException, match="The conn_id `missing` isn't defined"):
        BaseHook.get_connection("missing")


def test_tasks_and_templates_read_variables_and_connections(run_dag, instance, monkeypatch) -> None:
    """The process executor is covered by ``tests/corpus/airflow/variables_and_connections.py``."""
    Variable.set("bucket", "s3://raw")
    Variable.set("config", {"batch": 32}, serialize_json=True)
    instance.store.set_named_value("connection", "warehouse", "postgres://etl@wh.internal:5432/analytics")
    monkeypatch.setenv("AIRFLOW_VAR_GREETING", "hi")

    def read(**context):
        return f"{Variable.get('bucket')} {Variable.get('greeting')} {BaseHook.get_connection('warehouse').schema}"

    with DAG("settings") as d:
        PythonOperator(task_id="python", python_callable=read)
        BashOperator(task_id="bash", bash_command="echo {{ var.value.bucket }} {{ var.json.config.batch }} "
                                                  "{{ conn.warehouse.host }} {{ var.value.get('none', 'dflt') }}")
        BashOperator(task_id="missing", bash_command="echo {{ var.value.not_set }}")
    result = run_dag([d], "settings")
    assert result.output_for("settings.python") == "s3://raw hi analytics"
    assert result.output_for("settings.bash") == "s3://raw 32 wh.internal dflt"
    assert "Variable not_set does not exist" in result.steps["settings.missing"].error
