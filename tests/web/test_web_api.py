"""The JSON API over a real store: each route answers from what real runs recorded.

The shop pipeline (``orders -> revenue``) is run in-process through the services layer,
then every read route is asked about it; pages are checked to render the same facts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from headwater.services.launch import run_selection
from headwater.services.location import load_location
from headwater.storage.instance import Instance

SHOP = Path(__file__).resolve().parents[1] / "pipelines" / "web_shop.py"


@pytest.fixture
def ran(instance: Instance) -> str:
    """The id of a successful run of the whole shop pipeline."""
    result = run_selection(instance, load_location(str(SHOP)), "*")
    assert result.success
    return result.run_id


def test_the_graph_has_every_asset_with_its_state_and_edges(client: TestClient, ran: str) -> None:
    graph = client.get("/api/graph").json()
    keys = [node["key"] for node in graph["nodes"]]
    assert sorted(keys) == ["orders", "revenue"]
    assert {node["state"] for node in graph["nodes"]} == {"fresh"}
    assert graph["edges"] == [[keys.index("orders"), keys.index("revenue")]]
    by_key = {node["key"]: node for node in graph["nodes"]}
    assert by_key["orders"]["layer"] == 0 and by_key["revenue"]["layer"] == 1


def test_an_asset_never_run_is_never_materialized(client: TestClient) -> None:
    listing = client.get("/api/assets").json()
    assert {row["key"]: row["state"] for row in listing} == {"orders": "never materialized", "revenue": "never materialized"}


def test_the_asset_detail_has_history_preview_metrics_and_lineage(client: TestClient, ran: str) -> None:
    detail = client.get("/api/assets/orders").json()
    assert detail["asset"]["state"] == "fresh"
    assert detail["downstream"] == ["revenue"]
    (stored,) = detail["materializations"]
    assert stored["run_id"] == ran and stored["code_version"]
    preview = detail["preview"]
    assert preview["row_count"] == 3
    assert [c["name"] for c in preview["columns"]] == ["order_id", "amount", "city"]
    assert preview["rows"][0] == [1, 9.5, "Oslo"]
    revenue = client.get("/api/assets/revenue").json()
    assert revenue["preview"] is None
    series = {s["name"]: s for s in revenue["metrics"]}  # logged metrics and numeric metadata
    assert [p["value"] for p in series["revenue"]["points"]] == [32.75]
    assert series["revenue"]["points"][0]["run_id"] == ran
    assert revenue["materializations"][0]["metadata"]["orders"] == 3


def test_an_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get("/api/assets/nothing").status_code == 404
    page = client.get("/assets/nothing")
    assert page.status_code == 404 and "nothing" in page.text


def test_runs_list_filters_and_pages(client: TestClient, instance: Instance, ran: str) -> None:
    location = load_location(str(SHOP))
    second = run_selection(instance, location, "revenue").run_id
    page = client.get("/api/runs", params={"limit": 1}).json()
    assert [r["run_id"] for r in page["runs"]] == [second]
    older = client.get("/api/runs", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [r["run_id"] for r in older["runs"]] == [ran] and older["next_cursor"] is None
    assert client.get("/api/runs", params={"status": "FAILURE"}).json()["runs"] == []
    assert len(client.get("/api/runs", params={"status": "SUCCESS"}).json()["runs"]) == 2
    assert client.get("/api/runs", params={"job": "shop_job"}).json()["runs"] == []
    assert client.get("/api/runs", params={"since": "2999-01-01"}).json()["runs"] == []
    assert client.get("/api/runs", params={"tag": "nope"}).status_code == 422
    assert client.get("/api/runs", params={"status": "WHATEVER"}).status_code == 422
    assert client.get("/api/runs", params={"cursor": "no-such-run"}).status_code == 404


def test_a_run_its_steps_logs_and_events_from_a_cursor(client: TestClient, ran: str) -> None:
    detail = client.get(f"/api/runs/{ran}").json()
    assert detail["run"]["status"] == "SUCCESS"
    assert {s["step_key"]: s["status"] for s in detail["steps"]} == {"orders": "SUCCESS", "revenue": "SUCCESS"}
    assert client.get(f"/api/runs/{ran[:8]}").json()["run"]["run_id"] == ran  # a unique prefix
    logs = client.get(f"/api/runs/{ran}/logs").json()
    texts = [e["line"]["text"] for e in logs["entries"]]
    assert "reading orders" in texts and "summed 3 orders" in texts
    after = client.get(f"/api/runs/{ran}/logs", params={"after_id": logs["entries"][0]["id"]}).json()
    assert len(after["entries"]) == len(logs["entries"]) - 1
    only = client.get(f"/api/runs/{ran}/logs", params={"step": "revenue"}).json()
    assert {e["line"]["step_key"] for e in only["entries"]} == {"revenue"}
    events = client.get(f"/api/runs/{ran}/events").json()
    kinds = [e["event"]["kind"] for e in events["entries"]]
    assert kinds[0] == "RUN_START" and kinds[-1] == "RUN_SUCCESS"
    assert client.get(f"/api/runs/{ran}/events", params={"after_id": events["cursor"]}).json()["entries"] == []


def test_the_stream_of_a_finished_run_sends_everything_then_ends(client: TestClient, ran: str) -> None:
    with client.stream("GET", f"/api/runs/{ran}/stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = re.findall(r"^event: (\w+)$", body, flags=re.M)
    assert events.count("log") >= 2 and "step" in events and events[-1] == "end"
    assert '"status": "SUCCESS"' in body
    # reconnecting with the last id sends only the end
    last = re.findall(r"^id: (\S+)$", body, flags=re.M)[-1]
    with client.stream("GET", f"/api/runs/{ran}/stream", headers={"Last-Event-ID": last}) as response:
        again = "".join(response.iter_text())
    assert re.findall(r"^event: (\w+)$", again, flags=re.M) == ["end"]


def test_unknown_runs_are_404_on_every_run_route(client: TestClient) -> None:
    for path in ("/api/runs/nope", "/api/runs/nope/logs", "/api/runs/nope/events", "/api/runs/nope/stream",
                 "/runs/nope", "/runs/nope/steps"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_the_pages_render_what_the_api_says(client: TestClient, ran: str) -> None:
    graph = client.get("/assets")
    assert graph.status_code == 200 and 'data-key="orders"' in graph.text and 'data-key="revenue"' in graph.text
    asset = client.get("/assets/revenue")
    assert asset.status_code == 200 and 'data-metric="revenue"' in asset.text and ran[:8] in asset.text
    orders = client.get("/assets/orders")
    assert 'id="row-count">3<' in orders.text and "Oslo" in orders.text
    runs = client.get("/runs")
    assert f'data-run-id="{ran}"' in runs.text
    assert client.get("/runs", params={"since": "not a date"}).status_code == 400
    run = client.get(f"/runs/{ran}")
    assert run.status_code == 200 and 'data-step="orders"' in run.text and "SUCCESS" in run.text
    assert client.get("/").status_code == 200  # redirected to the graph


def test_a_failing_step_shows_the_users_error_line(make_client, instance: Instance, tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(
        "from headwater import asset\n\n@asset\ndef boom() -> int:\n    raise ValueError('the user broke it')\n",
        encoding="utf-8",
    )
    result = run_selection(instance, load_location(str(broken)), "*")
    assert not result.success
    client = make_client(file=broken)
    page = client.get(f"/runs/{result.run_id}").text
    assert "the user broke it" in page
    assert "broken.py" in page and "line 5" in page
    assert "headwater/execution" not in page  # the user's frames, not Headwater's
    assert client.get("/api/graph").json()["nodes"][0]["state"] == "failed"


def test_a_partitioned_asset_shows_a_grid_of_partition_states(make_client, instance: Instance, tmp_path: Path) -> None:
    daily = tmp_path / "daily.py"
    daily.write_text(
        "from headwater import DailyPartitionsDefinition, asset\n\n"
        "@asset(partitions_def=DailyPartitionsDefinition(start_date='2026-01-01', end_date='2026-01-05'))\n"
        "def sales(context) -> int:\n    return len(context.partition_key)\n",
        encoding="utf-8",
    )
    from headwater import materialize
    from headwater.services.location import load_location as load

    location = load(str(daily))
    assert materialize([location.graph.nodes["sales"]], partition_key="2026-01-02", instance=instance).success
    client = make_client(file=daily)
    grid = client.get("/api/assets/sales").json()["partitions"]
    assert [(p["key"], p["state"]) for p in grid] == [
        ("2026-01-01", "missing"), ("2026-01-02", "materialized"), ("2026-01-03", "missing"), ("2026-01-04", "missing")
    ]
    page = client.get("/assets/sales").text
    assert 'id="partitions"' in page and page.count("data-partition=") == 4
    assert client.get("/api/assets/orders").status_code == 404


def test_an_asset_whose_step_runs_now_is_running(client: TestClient, instance: Instance, ran: str) -> None:
    import time

    from headwater.storage.records import Run, RunStatus, StepRecord, StepStatus

    instance.store.add_run(Run("r-live", RunStatus.STARTED, "*", created_at=time.time(), started_at=time.time()))
    instance.store.upsert_steps([StepRecord("r-live", "revenue", StepStatus.RUNNING, 1, time.time())])
    states = {n["key"]: (n["state"], n["reason"]) for n in client.get("/api/graph").json()["nodes"]}
    assert states["revenue"] == ("running", "running in run r-live")
    assert states["orders"][0] == "fresh"


def test_the_runs_page_filters_as_its_form_sends_them(client: TestClient, ran: str) -> None:
    everything = client.get("/runs", params={"status": "", "job": "", "dag": "", "tag": "", "since": "", "until": ""})
    assert everything.status_code == 200 and f'data-run-id="{ran}"' in everything.text
    failures = client.get("/runs", params={"status": "FAILURE"})
    assert failures.status_code == 200 and "data-run-id" not in failures.text
    assert client.get("/runs", params={"status": "BOGUS"}).status_code == 400
