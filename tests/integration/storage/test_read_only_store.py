"""A store this user cannot write: listings read it, runs refuse with a clear error (exit 3).

Root ignores permission bits, so under root the reader is the ``nobody`` user (``setpriv``);
any other user reads a store whose folder and files it has made read-only itself. Either
way the reader is a real process that the kernel refuses to let write: nothing is faked.

::

    base/ (0755)
      home/ (read-only to the reader)
        headwater.db      written by a run of tests/cli/pipelines/ok.py
        artifacts/
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from headwater.storage.records import Run, RunStatus
from headwater.storage.sql.store import SqlStore

OK = Path(__file__).parents[2] / "cli" / "pipelines" / "ok.py"
AS_ROOT = os.geteuid() == 0

pytestmark = pytest.mark.slow


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder the reader can enter (pytest's tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="headwater-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder)


def headwater(home: Path, *args: str, reader: bool = False) -> subprocess.CompletedProcess[str]:
    prefix: list[str] = []
    if reader and AS_ROOT:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to read the store as another user"
        prefix = [setpriv, "--reuid", "nobody", "--regid", "nogroup", "--clear-groups"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADWATER_") or k.startswith("HEADWATER_CLI_SERVER")}
    env.update(HEADWATER_HOME=str(home), COLUMNS="200")
    return subprocess.run(
        [*prefix, sys.executable, "-m", "headwater", *args], env=env, capture_output=True, text=True, timeout=120,
        cwd=home.parent,
    )


def make_read_only(folder: Path) -> None:
    """Readable by all, writable by none but root (who is then not the reader)."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    assert AS_ROOT or not os.access(folder, os.W_OK)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture
def store_with_a_run(base: Path) -> Path:
    home = base / "home"
    ran = headwater(home, "materialize", "-f", str(OK), "--quiet")
    assert ran.returncode == 0, ran.stderr
    make_read_only(home)
    return home


def test_listings_read_a_read_only_store(store_with_a_run: Path) -> None:
    home = store_with_a_run
    before = snapshot(home)
    listed = headwater(home, "runs", "list", reader=True)
    assert listed.returncode == 0, listed.stderr
    assert "SUCCESS" in listed.stdout
    shown = headwater(home, "runs", "show", "latest", reader=True)
    assert shown.returncode == 0, shown.stderr
    assert "summing 3 numbers" in shown.stdout
    assets = headwater(home, "assets", "list", "-f", str(OK), reader=True)
    assert assets.returncode == 0, assets.stderr
    # each asset with its materialization (fresh, or stale when the reader's Python differs)
    assert all(key in assets.stdout for key in ("numbers", "total", "report")), assets.stdout
    assert "never materialized" not in assets.stdout, assets.stdout
    history = headwater(home, "assets", "history", "total", reader=True)
    assert history.returncode == 0, history.stderr
    lineage = headwater(home, "lineage", "report", reader=True)
    assert lineage.returncode == 0, lineage.stderr
    assert "numbers" in lineage.stdout
    assert snapshot(home) == before  # not a byte written, no -wal or -shm left


def test_a_run_on_a_read_only_store_fails_clearly_and_writes_nothing(store_with_a_run: Path) -> None:
    home = store_with_a_run
    before = snapshot(home)
    result = headwater(home, "materialize", "-f", str(OK), "--force", reader=True)
    assert result.returncode == 3
    assert f"the run store {home / 'headwater.db'} is read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "making numbers" not in result.stdout  # no step ran
    assert snapshot(home) == before


def test_a_read_only_store_with_a_live_writer_shows_its_latest_run(store_with_a_run: Path) -> None:
    """A writer still holds the store open: the newest run is in its WAL, not the database file."""
    home = store_with_a_run
    for path in [home, *home.rglob("*")]:  # the writer opens it writable, then it turns read-only
        path.chmod(0o755 if path.is_dir() else 0o644)
    writer = SqlStore(f"sqlite:///{home / 'headwater.db'}")
    try:
        writer.add_run(Run("run-in-the-wal", RunStatus.SUCCESS, "*", created_at=1.0))
        assert (home / "headwater.db-wal").stat().st_size > 0
        make_read_only(home)
        listed = headwater(home, "runs", "list", reader=True)
        assert listed.returncode == 0, listed.stderr
        assert "run-in-the-wal" in listed.stdout
    finally:
        writer.close()


def test_a_home_under_a_read_only_parent_fails_clearly(base: Path) -> None:
    parent = base / "parent"
    parent.mkdir()
    make_read_only(parent)
    for args in (("runs", "list"), ("materialize", "-f", str(OK))):
        result = headwater(parent / "home", *args, reader=True)
        assert result.returncode == 3, result.stderr
        assert f"cannot create the run store's folder {parent / 'home'}" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (parent / "home").exists()
