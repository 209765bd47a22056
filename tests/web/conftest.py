"""Fixtures of the web tests: the app over a fresh store and the small shop pipeline."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from headwater.storage.instance import Instance
from headwater.web.app import create_app
from headwater.web.config import WebConfig

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"
SHOP = PIPELINES / "web_shop.py"


@pytest.fixture
def make_client(instance: Instance) -> Iterator[Callable[..., TestClient]]:
    """Builds a test client of the app: ``make_client(token=..., host=..., file=...)``."""
    clients: list[TestClient] = []

    def make(*, token: str | None = None, host: str = "127.0.0.1", file: Path = SHOP) -> TestClient:
        config = WebConfig.build(host=host, port=3000, token=token, file=str(file), env={})
        client = TestClient(create_app(config, instance=instance), base_url="http://127.0.0.1:3000")
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """The app as ``headwater ui`` serves it by default: loopback, no token."""
    return make_client()


class RunningServer:
    """A real ``headwater ui``/``headwater dev`` process and the URL it printed."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.output: list[str] = []

    def stop(self, timeout: float = 15) -> int:
        """Ctrl-C (SIGINT), then wait for it to exit; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _read_url(process: subprocess.Popen[str], seen: list[str], deadline: float) -> str | None:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            return None
        seen.append(line)
        found = re.search(r"(http://[\w.\[\]:-]+?:\d+)", line)
        if found:
            return found.group(1)
    return None


@pytest.fixture
def start_server(headwater_home: Path, tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Starts ``headwater ARGS...`` (``ui`` or ``dev``) and returns once it prints its URL."""
    started: list[RunningServer] = []

    def start(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60) -> RunningServer:
        process = subprocess.Popen(
            [sys.executable, "-m", "headwater", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd or tmp_path,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )
        seen: list[str] = []
        url = _read_url(process, seen, time.monotonic() + timeout)
        if url is None:
            process.kill()
            rest = process.communicate()[0]
            pytest.fail(f"headwater {' '.join(args)} printed no URL:\n{''.join(seen)}{rest}")
        server = RunningServer(process, url)
        server.output = seen
        started.append(server)
        # keep draining its output so it never blocks on a full pipe
        threading.Thread(target=lambda: [seen.append(line) for line in process.stdout or []], daemon=True).start()
        return server

    yield start
    for server in started:
        server.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A page of Debian's headless chromium, driven by Playwright (fails loudly when it is missing)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            browser.close()
