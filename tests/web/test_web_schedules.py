"""Schedules and DAGs through the API and the pages: status, next ticks, switches, the grid."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from headwater.services.launch import run_job
from headwater.services.location import load_location
from headwater.storage.instance import Instance

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def dag_client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    """The app over a small Airflow-dialect DAG file: a >> b, daily."""
    dag = tmp_path / "small_dag.py"
    dag.write_text(
        "from headwater.airflow import DAG, PythonOperator, days_ago\n\n"
        "with DAG(dag_id='small', schedule='@daily', start_date=days_ago(1), catchup=False) as dag:\n"
        "    a = PythonOperator(task_id='a', python_callable=lambda: print('a ran'))\n"
        "    b = PythonOperator(task_id='b', python_callable=lambda: print('b ran'))\n"
        "    a >> b\n",
        encoding="utf-8",
    )
    return make_client(file=dag)


def _csrf(client: TestClient) -> str:
    return client.app.state.web.guard.csrf_token  # type: ignore[attr-defined,no-any-return]


def test_a_schedule_is_listed_with_its_next_tick_and_starts_and_stops(client: TestClient) -> None:
    (schedule,) = client.get("/api/schedules").json()
    assert schedule["name"] == "shop_nightly" and schedule["status"] == "STOPPED"
    assert schedule["next_tick"].endswith(("T02:00:00+00:00", "T02:00:00Z"))
    started = client.post("/api/schedules/shop_nightly/start", json={})
    assert started.json() == {"name": "shop_nightly", "status": "RUNNING"}
    assert client.get("/api/schedules").json()[0]["status"] == "RUNNING"
    assert client.post("/api/schedules/shop_nightly/stop", json={}).json()["status"] == "STOPPED"
    assert client.get("/api/schedules/shop_nightly/ticks").json() == []


def test_unknown_schedules_and_dags_are_404(client: TestClient) -> None:
    for method, path in [("POST", "/api/schedules/nope/start"), ("POST", "/api/schedules/nope/stop"),
                         ("GET", "/api/schedules/nope/ticks"), ("GET", "/api/dags/nope/grid"),
                         ("POST", "/api/dags/nope/pause"), ("POST", "/api/dags/nope/unpause"),
                         ("GET", "/schedules/nope"), ("GET", "/dags/nope")]:
        response = client.request(method, path, json={})
        assert response.status_code == 404, (method, path)
    assert "nope" in client.get("/api/schedules/nope/ticks").json()["detail"]


def test_the_schedules_page_toggles_with_a_form(client: TestClient) -> None:
    page = client.get("/schedules")
    assert 'data-schedule="shop_nightly" data-status="STOPPED"' in page.text
    toggled = client.post("/schedules/shop_nightly/toggle", data={"csrf_token": _csrf(client)}, follow_redirects=False)
    assert toggled.status_code == 303 and toggled.headers["location"] == "/schedules"
    page = client.get("/schedules").text
    assert 'data-status="RUNNING"' in page
    assert len(re.findall(r"\d{4}-\d\d-\d\d 02:00 UTC", page)) == 3  # its next three ticks
    detail = client.get("/schedules/shop_nightly").text
    assert detail.count("02:00:00+00:00") == 10


def test_a_dag_is_paused_unpaused_and_shown_as_a_grid(dag_client: TestClient, instance: Instance) -> None:
    (dag,) = dag_client.get("/api/dags").json()
    assert dag["dag"]["dag_id"] == "small" and dag["dag"]["task_ids"] == ["a", "b"]
    paused = dag["is_paused"]
    assert dag_client.post("/api/dags/small/unpause", json={}).json() == {"dag_id": "small", "is_paused": False}
    assert dag_client.get("/api/dags").json()[0]["is_paused"] is False
    assert dag_client.post("/api/dags/small/pause", json={}).json()["is_paused"] is True
    assert paused in (True, False)
    location = load_location(dag_client.app.state.web.config.file)  # type: ignore[attr-defined]
    result = run_job(instance, location, "small")
    assert result.success
    grid = dag_client.get("/api/dags/small/grid").json()
    assert grid["task_ids"] == ["a", "b"]
    (row,) = grid["rows"]
    assert row["run"]["run_id"] == result.run_id and row["states"] == {"a": "SUCCESS", "b": "SUCCESS"}
    page = dag_client.get("/dags/small").text
    assert 'id="dag-grid"' in page and page.count('class="cell s-SUCCESS"') == 2
    form = dag_client.post("/dags/small/toggle", data={"csrf_token": _csrf(dag_client)}, follow_redirects=False)
    assert form.status_code == 303
    assert dag_client.get("/api/dags").json()[0]["is_paused"] is False


def test_a_backfill_shows_its_progress(make_client: Callable[..., TestClient], instance: Instance, pipelines: Path) -> None:
    from headwater.services import backfills

    daily = pipelines / "partitioned_daily.py"
    location = load_location(str(daily))
    started = backfills.start_job_backfill(instance, location, "daily_job", first="2026-01-01", last="2026-01-03")
    backfills.drive(instance, location, started.backfill_id)
    client = make_client(file=daily)
    (listed,) = client.get("/api/backfills").json()
    assert listed["backfill"]["backfill_id"] == started.backfill_id
    assert listed["done"] == listed["total"] == 3 and listed["counts"] == {"succeeded": 3}
    one = client.get(f"/api/backfills/{started.backfill_id}").json()
    assert list(one["keys"]) == ["2026-01-01", "2026-01-02", "2026-01-03"] and len(one["runs"]) == 3
    assert client.get("/api/backfills/nope").status_code == 404
    page = client.get("/schedules").text
    assert f'data-backfill="{started.backfill_id}"' in page and "3 / 3 done" in page
    grid = client.get("/api/assets/daily_totals").json()["partitions"]
    assert [p["state"] for p in grid[:3]] == ["materialized"] * 3
