"""Several processes write to one SQLite run store at once (WAL + busy_timeout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from headwater.storage.sql.store import SqlStore

_WRITER = """
import sys
from headwater.storage.records import Event, EventKind
from headwater.storage.sql.store import SqlStore
store = SqlStore(sys.argv[1])
for i in range(50):
    store.add_events([Event(sys.argv[2], EventKind.STEP_START, float(i), step_key=str(i))] * 4)
store.close()
"""


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/headwater.db"
    SqlStore(url).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, url, f"run{n}"], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with SqlStore(url) as store:
        for n in range(4):
            events = store.get_events(f"run{n}")
            assert len(events) == 200
            assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)


_OPENER = """
import sys
from headwater.storage.sql.store import SqlStore
SqlStore(sys.argv[1]).close()
"""


@pytest.mark.slow
def test_first_open_from_several_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh/headwater.db"
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPENER, url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with SqlStore(url) as store:
        assert store.list_runs() == []
