"""``headwater ui`` as a real process: where it listens, what it refuses, how it stops."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import SHOP, RunningServer

TOKEN = "a-long-enough-test-token-0123456789"


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_non_loopback_bind_without_a_token_refuses_to_start(host: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "headwater", "ui", "-f", str(SHOP), "--host", host, "--port", "0"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HEADWATER_HOME": str(tmp_path / "home"), "HEADWATER_CLI_SERVER": "0"},
    )
    assert result.returncode == 2
    assert "without a token" in result.stderr and "--token" in result.stderr
    assert "Traceback" not in result.stderr


def test_ui_serves_on_loopback_and_stops_cleanly_on_ctrl_c(start_server: Callable[..., RunningServer]) -> None:
    server = start_server("ui", "-f", str(SHOP), "--port", "0")
    assert server.url.startswith("http://127.0.0.1:")
    assert httpx.get(server.url + "/api/").json()["name"] == "headwater"
    assert server.stop() == 0


def test_ui_with_a_token_on_all_addresses_checks_it(start_server: Callable[..., RunningServer]) -> None:
    server = start_server("ui", "-f", str(SHOP), "--host", "0.0.0.0", "--port", "0", env={"HEADWATER_UI_TOKEN": TOKEN})
    assert httpx.get(server.url + "/api/").status_code == 401
    assert httpx.get(server.url + "/api/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
