"""Launching from the API: checks before queuing, the queued run's launch record, re-execution.

No daemon runs here, so each queued run stays QUEUED and its launch record is what is
checked; ``test_web_dev.py`` runs them for real under ``headwater dev``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from headwater.services.launch import run_selection
from headwater.services.location import load_location
from headwater.storage.instance import Instance

SHOP = Path(__file__).resolve().parents[1] / "pipelines" / "web_shop.py"
CONFIGURED = '''
from headwater import Config, asset

class Threshold(Config):
    level: float = 0.5

@asset
def scored(config: Threshold) -> float:
    return config.level
'''


def test_checks_name_what_is_wrong_before_anything_is_queued(client: TestClient, instance: Instance) -> None:
    ok = client.post("/api/launch/check", json={"job": "shop_job"}).json()
    assert ok == {"ok": True, "problems": []}
    for body, words in [
        ({"job": "nope"}, "nope"),
        ({"selection": "nothing_like_this"}, "nothing_like_this"),
        ({}, "exactly one"),
        ({"job": "shop_job", "selection": "*"}, "exactly one"),
        ({"dag_id": "nope"}, "no DAG"),
        ({"selection": "*", "conf": {"a": 1}}, "DAG runs"),
        ({"selection": "*", "run_config_text": "[1, 2"}, "YAML"),
    ]:
        answer = client.post("/api/launch/check", json=body).json()
        assert not answer["ok"] and words in " ".join(answer["problems"]), (body, answer)
        refused = client.post("/api/runs", json=body)
        assert refused.status_code == 400 and words in refused.json()["detail"]
    assert instance.store.list_runs() == []


def test_a_run_config_is_validated_against_the_assets_config_class(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    location = tmp_path / "configured.py"
    location.write_text(CONFIGURED, encoding="utf-8")
    client = make_client(file=location)
    good = {"selection": "*", "run_config_text": "ops:\n  scored:\n    config:\n      level: 0.9\n"}
    assert client.post("/api/launch/check", json=good).json()["ok"]
    bad = {"selection": "*", "run_config": {"ops": {"scored": {"config": {"level": "high"}}}}}
    answer = client.post("/api/launch/check", json=bad).json()
    assert not answer["ok"] and "scored" in answer["problems"][0] and "level" in answer["problems"][0]


def test_launching_queues_a_run_with_what_to_run(client: TestClient, instance: Instance) -> None:
    queued = client.post("/api/runs", json={"job": "shop_job", "tags": {"team": "ml"}})
    assert queued.status_code == 201
    run = queued.json()
    assert run["status"] == "QUEUED" and run["job_name"] == "shop_job" and run["tags"]["team"] == "ml"
    assert run["launch"]["location"]["file"] == str(SHOP) and run["launch"]["job"] == "shop_job"
    selection = client.post("/api/runs", json={"selection": "revenue"}).json()
    assert selection["launch"]["selection"] == "revenue"
    assert [r.run_id for r in instance.store.list_runs()] == [selection["run_id"], run["run_id"]]


def test_a_dag_is_triggered_with_conf_and_a_logical_date(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    dag = tmp_path / "dag.py"
    dag.write_text(
        "from headwater.airflow import DAG, PythonOperator\n\n"
        "with DAG(dag_id='small', schedule=None) as dag:\n"
        "    PythonOperator(task_id='a', python_callable=lambda: None)\n",
        encoding="utf-8",
    )
    client = make_client(file=dag)
    body = {"dag_id": "small", "conf": {"note": "hi"}, "logical_date": "2026-03-01T06:00:00"}
    assert client.post("/api/launch/check", json=body).json()["ok"]
    run = client.post("/api/runs", json=body).json()
    assert run["job_name"] == "small" and run["launch"]["force"] is True
    assert json.loads(run["tags"]["dag_run_conf"]) == {"note": "hi"}
    assert run["tags"]["logical_date"] == "2026-03-01T06:00:00+00:00"


def test_reexecuting_from_failure_queues_the_failed_steps(
    make_client: Callable[..., TestClient], instance: Instance, tmp_path: Path
) -> None:
    flaky = tmp_path / "flaky.py"
    flaky.write_text(
        "from headwater import asset\n\n@asset\ndef source() -> int:\n    return 1\n\n"
        "@asset\ndef broken(source: int) -> int:\n    raise ValueError('no')\n\n"
        "@asset\ndef after(broken: int) -> int:\n    return broken\n",
        encoding="utf-8",
    )
    failed = run_selection(instance, load_location(str(flaky)), "*")
    assert not failed.success
    client = make_client(file=flaky)
    again = client.post(f"/api/runs/{failed.run_id}/reexecute", json={}).json()
    assert again["status"] == "QUEUED" and again["launch"]["selection"] == ["broken", "after"]
    assert again["tags"]["dagster/parent_run_id"] == failed.run_id
    everything = client.post(f"/api/runs/{failed.run_id}/reexecute", json={"from_failure": False}).json()
    assert everything["launch"]["selection"] == ["source", "broken", "after"]
    succeeded = client.post(f"/api/runs/{again['run_id']}/reexecute", json={}).status_code
    assert succeeded == 400  # a queued run has no failed step
    assert client.post("/api/runs/nope/reexecute", json={}).status_code == 404


def test_the_launch_page_lists_jobs_and_dags(client: TestClient) -> None:
    page = client.get("/launch?job=shop_job")
    assert page.status_code == 200 and '<option value="shop_job" selected>' in page.text


def test_cancel_a_queued_run_at_once_and_refuse_an_ended_one(client: TestClient, instance: Instance) -> None:
    queued = client.post("/api/runs", json={"job": "shop_job"}).json()
    canceled = client.post(f"/api/runs/{queued['run_id']}/cancel", json={})
    assert canceled.status_code == 200 and canceled.json()["status"] == "CANCELED"
    again = client.post(f"/api/runs/{queued['run_id']}/cancel", json={})
    assert again.status_code == 409 and "ended" in again.json()["detail"]
    assert client.post("/api/runs/nope/cancel", json={}).status_code == 404
