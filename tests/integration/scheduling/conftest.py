"""Running real ``headwater daemon`` processes against this test's store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Daemons:
    """Starts daemons (``python -m headwater daemon ...``) and stops every one at the end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str, wait: bool = True) -> subprocess.Popen[bytes]:
        from headwater.storage.instance import Instance

        with Instance.get() as instance:
            before = {d.daemon_id for d in instance.store.list_daemons()}
        # The daemon logs every run it launches: to a file, since a pipe nobody reads fills
        # up and blocks the daemon mid-write.
        fd, name = tempfile.mkstemp(prefix="headwater-daemon-", suffix=".log")
        log = Path(name)
        with os.fdopen(fd, "wb") as sink:
            proc = subprocess.Popen(
                [sys.executable, "-m", "headwater", "daemon", *args], env={**os.environ, **self.env},
                stderr=sink,
            )
        self.procs.append(proc)
        if wait:
            deadline = time.monotonic() + 30
            with Instance.get() as instance:
                while not {d.daemon_id for d in instance.store.list_daemons()} - before:
                    assert proc.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "the daemon did not register within 30 s"
                    time.sleep(0.05)
        return proc

    @staticmethod
    def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
            time.sleep(0.05)



    @staticmethod
    def read_marks(marks: Path) -> list[tuple[str, float, float, int]]:
        """``(run id, step start, step end, value)`` of every execution of the ``mark`` step."""
        if not marks.exists():
            return []
        rows = []
        for line in marks.read_text().splitlines():
            run_id, start, end, value = line.split()
            rows.append((run_id, float(start), float(end), int(value)))
        return rows

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The run store's backend for this test: SQLite under HEADWATER_HOME, or a fresh PostgreSQL schema."""
    if request.param == "postgres":
        monkeypatch.setenv("HEADWATER_DATABASE_URL", request.getfixturevalue("postgres_schema_url"))
    return str(request.param)


@pytest.fixture
def marks(tmp_path: Path) -> Path:
    return tmp_path / "marks.txt"


@pytest.fixture
def daemons(marks: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Daemons]:
    """Daemons sharing this test's store (HEADWATER_HOME, or HEADWATER_DATABASE_URL when set)."""
    monkeypatch.setenv("HW_MARKS", str(marks))
    started = Daemons({})
    try:
        yield started
    finally:
        started.stop_all()
