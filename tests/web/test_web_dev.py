"""``headwater dev`` in a real browser: launch, follow live, cancel, fix and re-execute,
trigger a DAG with conf; and Ctrl-C stops the web server and the daemon together.

Each test starts a real ``headwater dev`` (web server + daemon) on a free loopback port and
drives Debian's chromium with Playwright. No fixed sleeps: every wait is for a condition.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import RunningServer
from test_web_browser import AIRFLOW_IRIS, IRIS, shot

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def wait_for_status(page: Any, *statuses: str) -> str:
    wanted = " || ".join(f"s === '{s}'" for s in statuses)
    page.wait_for_function(
        f"(() => {{ const h = document.getElementById('run-header'); const s = h && h.dataset.status; return {wanted}; }})()",
        timeout=240_000,
    )
    return str(page.locator("#run-header").get_attribute("data-status"))


def daemon_pid(server: RunningServer) -> int:
    found = re.search(r"daemon pid (\d+)", "".join(server.output))
    assert found, server.output
    return int(found.group(1))


def test_launching_the_iris_job_shows_the_run_live_and_the_asset_plots_accuracy(
    start_server: Callable[..., RunningServer], browser_page: Any
) -> None:
    server = start_server("dev", "-f", str(IRIS), "--port", "0")
    page = browser_page
    page.goto(server.url + "/launch?job=iris_ml_pipeline")
    page.wait_for_selector("#launch-form[data-checked=ok]")
    page.click("#launch-submit")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"))
    page.wait_for_selector("#log-lines .line[data-step=iris_raw]")  # streamed as it runs
    assert wait_for_status(page, "SUCCESS", "FAILURE") == "SUCCESS"
    page.wait_for_selector("#log-lines[data-ended=true]")
    assert "accuracy: 1.0000" in page.locator("#log-lines").inner_text()
    assert page.locator(".step-row[data-status=SUCCESS]").count() == 4
    page.goto(server.url + "/assets/model_accuracy")
    assert page.locator("section.metric[data-metric=accuracy] circle.point").count() >= 1


def test_logs_stream_while_a_step_runs_and_cancel_stops_it(
    start_server: Callable[..., RunningServer], browser_page: Any
) -> None:
    server = start_server("dev", "-f", str(PIPELINES / "web_slow.py"), "--port", "0")
    page = browser_page
    page.goto(server.url + "/assets")
    page.wait_for_selector("#graph[data-ready=true]")
    page.fill("#graph-search", "ticker")
    page.click("#select-all-matches")
    page.click("#materialize")
    page.click("#launched-run")
    page.wait_for_selector("#log-lines .line:has-text('tick 5')")
    assert page.locator("#run-header").get_attribute("data-status") == "STARTED"  # lines arrive while it runs
    shot(page, "run-live")
    page.click("#cancel-run")
    assert wait_for_status(page, "CANCELED") == "CANCELED"
    lines = page.locator("#log-lines .line").count()
    assert lines < 600  # stopped long before its minute was up


def test_a_failing_step_shows_the_users_error_and_reexecutes_after_the_fix(
    start_server: Callable[..., RunningServer], browser_page: Any, tmp_path: Path
) -> None:
    pipeline = tmp_path / "flaky.py"
    pipeline.write_text(
        "from headwater import asset\n\n"
        "@asset\ndef source() -> int:\n    return 41\n\n"
        "@asset\ndef answer(source: int) -> int:\n    raise ValueError('the answer is not ready')\n",
        encoding="utf-8",
    )
    server = start_server("dev", "-f", str(pipeline), "--port", "0")
    page = browser_page
    page.goto(server.url + "/launch?selection=*")
    page.wait_for_selector("#launch-form[data-checked=ok]")
    page.click("#launch-submit")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"))
    assert wait_for_status(page, "SUCCESS", "FAILURE") == "FAILURE"
    error = page.locator(".step-error[data-step=answer]").inner_text()
    assert "the answer is not ready" in error and "flaky.py" in error and "line 9" in error
    assert "headwater/execution" not in error
    shot(page, "run-failed")
    failed_url = page.url
    pipeline.write_text(pipeline.read_text().replace("raise ValueError('the answer is not ready')", "return source + 1"))
    page.click("#reexecute-failure")
    page.wait_for_url(lambda url: url != failed_url and re.search(r"/runs/[0-9a-f]{32}$", url) is not None)
    assert wait_for_status(page, "SUCCESS", "FAILURE") == "SUCCESS"
    assert page.locator(".step-row").count() == 1  # only the failed step ran again
    assert page.locator(".step-row[data-step=answer][data-status=SUCCESS]").count() == 1


def test_the_airflow_iris_dag_is_unpaused_and_triggered_with_conf(
    start_server: Callable[..., RunningServer], browser_page: Any
) -> None:
    server = start_server("dev", "-f", str(AIRFLOW_IRIS), "--port", "0")
    page = browser_page
    page.goto(server.url + "/schedules")
    row = page.locator("tr.dag-row[data-dag=iris_classic]")
    if row.get_attribute("data-paused") == "True":
        row.locator("button.toggle-dag").click()
        page.wait_for_selector("tr.dag-row[data-dag=iris_classic][data-paused=False]")
    page.locator("tr.dag-row[data-dag=iris_classic] a.button").click()
    page.wait_for_selector("#launch-form[data-checked=ok]")
    page.fill("#launch-conf", '{"note": "from the browser"}')
    page.wait_for_selector("#launch-form[data-checked=ok]")
    page.click("#launch-submit")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"))
    assert wait_for_status(page, "SUCCESS", "FAILURE") == "SUCCESS"
    assert "from the browser" in page.locator("#run-header").inner_text()
    run_id = page.url.rsplit("/", 1)[1]
    page.goto(server.url + "/dags/iris_classic")
    # the triggered run is a column of the grid (the scheduler may have added the unpaused
    # DAG's latest interval beside it)
    assert page.locator(f'#dag-grid a[href="/runs/{run_id}"]').count() == 1
    assert page.locator("#dag-grid td.cell.s-SUCCESS").count() >= 4


def test_dev_stops_the_web_server_and_the_daemon_on_ctrl_c(start_server: Callable[..., RunningServer]) -> None:
    server = start_server("dev", "-f", str(IRIS), "--port", "0")
    pid = daemon_pid(server)
    assert httpx.get(server.url + "/api/").status_code == 200
    os.kill(pid, 0)  # the daemon runs
    assert server.stop() == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/api/", timeout=5)
    assert "stopped" in "".join(server.output)
