"""Fixtures for the CLI tests: an isolated HEADWATER_HOME and a fast in-process runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

PIPELINES = Path(__file__).parent / "pipelines"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pipeline() -> Callable[[str], str]:
    """``pipeline("ok")`` is the path of the fixture pipeline ``tests/cli/pipelines/ok.py``."""
    return lambda name: str(PIPELINES / f"{name}.py")


@pytest.fixture
def home(headwater_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's HEADWATER_HOME (from the root conftest), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")  # tables never wrap a cell mid-word
    return headwater_home


@pytest.fixture
def cli(home: Path) -> Callable[..., object]:
    """Run ``headwater ARGS...`` in-process; returns click's ``Result`` (stdout, stderr, exit_code)."""
    from headwater.cli.main import app

    runner = CliRunner()

    def invoke(*args: str) -> object:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def cli_process(home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m headwater ARGS...`` in a fresh process, as a user would."""

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HEADWATER_HOME": str(home), "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "headwater", *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=timeout,
        )

    return run
