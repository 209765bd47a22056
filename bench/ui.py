"""The web UI at scale: a 10,000-asset graph in Chromium, and the runs list over 100,000 runs.

    python bench/ui.py                      # both; prints the figures
    python bench/ui.py --assets 2000 --runs 20000

1. *The graph.* A code location of ``--assets`` assets in a layered graph (100 per layer,
   each reading 3 assets of the layer before: about 30,000 edges for 10,000 assets) is
   served by a real ``headwater ui``; Chromium (Debian's, through Playwright) opens
   ``/assets`` and the script times, from navigation start: the graph drawn (every node
   laid out and painted: the canvas's ``data-ready``), and interactive (a search typed and
   its matches highlighted, and a click selecting a node). Target: drawn and interactive in
   2 s or less. For scale: Dagster's UI has taken up to 30 minutes on 500 assets (dagster
   #18756) and Prefect's crashes around 5,000 tasks (prefect #8934).
2. *The runs list.* ``--runs`` runs are written to the store in bulk; the script times
   ``GET /api/runs`` (the first page, a page deep in the list by cursor, a status filter),
   median of 20 each. Target: 100 ms or less per page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

CHROMIUM = "/usr/bin/chromium"
PER_LAYER = 100
FAN_IN = 3


def write_location(path: Path, assets: int) -> int:
    """A code location of ``assets`` assets in layers; the number of edges."""
    rng = random.Random(7)
    lines = [
        "from headwater import asset",
        "",
        "def _make(name, deps, group):",
        "    @asset(name=name, deps=deps, group=group)",
        "    def node() -> int:",
        "        return 1",
        "    return node",
        "",
        "SPEC = [",
    ]
    edges = 0
    for i in range(assets):
        layer = i // PER_LAYER
        ups = rng.sample(range((layer - 1) * PER_LAYER, layer * PER_LAYER), FAN_IN) if layer else []
        edges += len(ups)
        lines.append(f"    ('a{i}', {['a' + str(u) for u in ups]!r}, 'g{layer % 10}'),")
    lines += ["]", "", "for _name, _deps, _group in SPEC:", "    globals()[_name] = _make(_name, _deps, _group)", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return edges


def start_ui(location: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "headwater", "ui", "-f", str(location), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "http://" in line:
            return process, "http://" + line.split("http://", 1)[1].split()[0]
    raise SystemExit(f"headwater ui did not start: {process.communicate()[0]}")


def bench_graph(url: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(600_000)
        figures = {}
        for attempt in ("cold", "warm"):
            start = time.perf_counter()
            page.goto(url + "/assets")
            page.wait_for_selector("#graph[data-ready=true]")
            drawn = time.perf_counter() - start
            page.fill("#graph-search", "a9999" if page.evaluate("window.headwaterGraph.nodes.length") > 9999 else "a1")
            page.wait_for_function("window.headwaterGraph !== undefined")
            box = page.locator("#graph").bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            interactive = time.perf_counter() - start
            figures[f"graph drawn ({attempt} server)"] = drawn
            figures[f"graph drawn and interactive ({attempt} server)"] = interactive
        browser.close()
    return figures


def fill_runs(count: int, env: dict[str, str]) -> None:
    """Write ``count`` finished runs in bulk (the store's batch insert; a bench shortcut)."""
    os.environ.update(env)
    from headwater.storage.instance import Instance
    from headwater.storage.records import Run, RunStatus
    from headwater.storage.sql import schema

    now = time.time()
    statuses = [RunStatus.SUCCESS] * 8 + [RunStatus.FAILURE, RunStatus.CANCELED]
    with Instance.get() as instance:
        batch = []
        for i in range(count):
            created = now - (count - i) * 60
            batch.append(Run(uuid.uuid4().hex, statuses[i % len(statuses)], "*", job_name=f"job{i % 7}",
                             created_at=created, started_at=created, ended_at=created + 5, tags={"team": f"t{i % 5}"}))
            if len(batch) == 5000:
                instance.store._insert(schema.runs, batch)  # noqa: SLF001 -- bulk load for the bench only
                batch = []
        instance.store._insert(schema.runs, batch)  # noqa: SLF001


def bench_runs(url: str) -> dict[str, float]:
    figures = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        deep = client.get("/api/runs", params={"limit": 1, "cursor": None}).json()["runs"][0]["run_id"]
        for _ in range(200):  # a cursor about 10,000 runs down the list
            page = client.get("/api/runs", params={"limit": 50, "cursor": deep}).json()
            deep = page["next_cursor"] or deep
            if len(page["runs"]) < 50:
                break
        cases = {
            "runs list, first page of 50": {"limit": 50},
            "runs list, a page 10,000 runs deep": {"limit": 50, "cursor": deep},
            "runs list, status=FAILURE": {"limit": 50, "status": "FAILURE"},
            "runs list, job=job3 and tag team=t2": {"limit": 50, "job": "job3", "tag": "team=t2"},
        }
        for name, params in cases.items():
            times = []
            for _ in range(20):
                start = time.perf_counter()
                response = client.get("/api/runs", params=params)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text
            figures[name] = statistics.median(times)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            assert client.get("/runs").status_code == 200
            times.append(time.perf_counter() - start)
        figures["runs page (HTML), first page"] = statistics.median(times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="headwater-bench-ui-") as folder:
        root = Path(folder)
        env = {**os.environ, "HEADWATER_HOME": str(root / "home")}
        location = root / "layered.py"
        edges = write_location(location, args.assets)
        fill_runs(args.runs, env)
        process, url = start_ui(location, env)
        try:
            print(f"{args.assets} assets, {edges} edges; {args.runs} runs; headwater ui at {url}")
            for name, seconds in {**bench_graph(url), **bench_runs(url)}.items():
                target = 2.0 if name.startswith("graph drawn and") else 0.1 if name.startswith("runs list") else None
                mark = "" if target is None else ("  ok" if seconds <= target else f"  OVER the {target:g} s target")
                print(f"  {name:<48} {seconds * 1000:9.1f} ms{mark}")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
