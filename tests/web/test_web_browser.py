"""The UI in a real browser (Playwright driving Debian's chromium) against a real server,
with the Iris example: what a person sees and does.

Screenshots go to docs/images/ when HEADWATER_SCREENSHOTS is set (docs/ui.md shows them).
No fixed sleeps: every wait is for a condition on the page.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import RunningServer

REPO = Path(__file__).resolve().parents[2]
IRIS = REPO / "examples" / "iris_pipeline.py"
AIRFLOW_IRIS = REPO / "examples" / "airflow_iris_dag.py"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shot(page: Any, name: str) -> None:
    """Save a screenshot for the docs when asked to (HEADWATER_SCREENSHOTS=1)."""
    if os.environ.get("HEADWATER_SCREENSHOTS"):
        folder = REPO / "docs" / "images"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def materialize(*args: str) -> None:
    """Run the Iris pipeline from the CLI into this test's store."""
    result = subprocess.run(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(IRIS), "-q", *args],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_graph_shows_the_four_iris_assets_and_the_asset_page_plots_accuracy(
    start_server: Callable[..., RunningServer], browser_page: Any
) -> None:
    materialize()
    materialize("--force")
    server = start_server("ui", "-f", str(IRIS), "--port", "0")
    page = browser_page
    page.goto(server.url + "/assets")
    page.wait_for_selector("#graph[data-ready=true]")
    assert page.evaluate("window.headwaterGraph.nodes.map(n => n.key)") == [
        "iris_raw", "iris_features", "trained_model", "model_accuracy"
    ]
    assert page.locator("#graph").get_attribute("data-drawn") == "4"
    assert page.locator("tr.asset-row").count() == 4
    page.fill("#graph-search", "model")
    page.wait_for_function("document.querySelectorAll('#asset-list tr.asset-row:not([hidden])').length === 2")
    shot(page, "asset-graph")
    page.fill("#graph-search", "")
    page.click("tr.asset-row[data-key=model_accuracy] a")
    page.wait_for_selector("section.metric[data-metric=accuracy]")
    assert page.locator("section.metric[data-metric=accuracy] circle.point").count() == 2
    assert page.locator("#asset-state").inner_text() == "fresh"
    shot(page, "asset-page")
    page.goto(server.url + "/assets/iris_raw")
    assert page.locator("#row-count").inner_text() == "150"
    page.goto(server.url + "/runs")
    page.locator("tr.run-row a").first.click()
    page.wait_for_selector("#log-lines[data-ended=true]")
    assert "accuracy: 1.0000" in page.locator("#log-lines").inner_text()
    shot(page, "run-page")


def test_a_schedule_toggles_on_and_its_next_ticks_appear(
    start_server: Callable[..., RunningServer], browser_page: Any
) -> None:
    server = start_server("ui", "-f", str(IRIS), "--port", "0")
    page = browser_page
    page.goto(server.url + "/schedules")
    row = page.locator("tr.schedule-row[data-schedule=iris_daily]")
    assert row.get_attribute("data-status") == "STOPPED"
    row.locator("button.toggle-schedule").click()
    page.wait_for_selector("tr.schedule-row[data-schedule=iris_daily][data-status=RUNNING]")
    ticks = page.locator("tr.schedule-row[data-schedule=iris_daily] td.next-ticks").inner_text()
    assert ticks.count("00:00 UTC") == 3
    shot(page, "schedules")


def test_the_airflow_iris_dag_can_be_unpaused(start_server: Callable[..., RunningServer], browser_page: Any) -> None:
    server = start_server("ui", "-f", str(AIRFLOW_IRIS), "--port", "0")
    page = browser_page
    page.goto(server.url + "/dags/iris_classic")
    page.wait_for_selector("#dag-state")
    if page.locator("#dag-state").inner_text() == "paused":
        page.click("#toggle-dag")
        page.wait_for_function("document.querySelector('#dag-state').textContent === 'active'")
    page.click("#toggle-dag")
    page.wait_for_function("document.querySelector('#dag-state').textContent === 'paused'")
