"""The run store failing under a run: the run stops loudly, never "SUCCESS" over lost history.

Issue 10: deleting the SQLite file mid-run printed SUCCESS with exit 0 and left no run; a
full database disk gave a raw SQLAlchemy traceback and the run was later marked failed for
the wrong reason ("the process ... died"); a full or read-only artifact disk must fail the
step clearly and leave nothing half-written.

The disks are real: small tmpfs mounts (the tests run as root, as CI does; a test that
cannot mount fails, it never skips).
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headwater.storage.records import RunStatus

STEPS = '''
import os, shutil
from headwater import asset

@asset
def first() -> int:
    return 1

@asset
def damage_store(first: int) -> int:
    db = os.path.join(os.environ["HEADWATER_HOME"], "headwater.db")
    if os.environ["HW_TEST_ACTION"] == "delete":
        os.unlink(db)
    else:
        shutil.copy(db, db + ".copy")
        os.replace(db + ".copy", db)
    return first + 1

@asset
def after(damage_store: int) -> int:
    return damage_store + 1
'''


def write(tmp_path: Path, source: str) -> str:
    path = tmp_path / f"p_{uuid.uuid4().hex[:8]}.py"
    path.write_text(textwrap.dedent(source))
    return str(path)


@pytest.mark.parametrize("action, word", [("delete", "deleted"), ("replace", "replaced")])
def test_a_sqlite_file_deleted_or_replaced_mid_run_fails_the_run(cli, tmp_path, monkeypatch, action, word):
    monkeypatch.setenv("HW_TEST_ACTION", action)
    result = cli("materialize", "-f", write(tmp_path, STEPS))
    assert result.exit_code == 3, result.output
    assert f"was {word}" in result.stderr and "headwater.db" in result.stderr
    assert "SUCCESS" not in result.output and "Traceback" not in result.output


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """``tmpfs("name", "256k")`` mounts a tmpfs of that size; ``ro=True`` mounts it read-only."""
    mounted: list[Path] = []

    def mount(name: str, size: str, *, ro: bool = False) -> Path:
        path = tmp_path / name
        path.mkdir()
        options = f"size={size}" + (",ro" if ro else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"cannot mount a tmpfs to fill a disk (these tests need root): {done.stderr}", pytrace=False)
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


CHATTY = '''
from headwater import asset

@asset
def chatty() -> int:
    for i in range(40_000):
        print(f"line {i} " + "x" * 200)
    return 1
'''


def test_a_full_database_disk_fails_the_run_with_that_reason(cli, tmp_path, monkeypatch, tmpfs):
    home = tmpfs("dbdisk", "2m")
    monkeypatch.setenv("HEADWATER_HOME", str(home))
    monkeypatch.setenv("HEADWATER_ARTIFACTS", str(tmp_path / "artifacts"))
    result = cli("materialize", "-q", "-f", write(tmp_path, CHATTY))
    assert result.exit_code == 3, result.output
    assert "could not write to the run store" in result.stderr and "full" in result.stderr
    assert "free space" in result.stderr
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output.lower()
    assert "SUCCESS" not in result.output
    from headwater.storage.sql.store import SqlStore

    with SqlStore(f"sqlite:///{home}/headwater.db") as store:
        (run,) = store.list_runs()
    assert run.status is RunStatus.FAILURE
    assert "the run store failed" in (run.error or "") and "full" in (run.error or "")
    assert "died" not in (run.error or "")


BIG = '''
from headwater import asset

@asset
def big() -> bytes:
    return bytes(3_000_000)
'''


@pytest.mark.parametrize("ro", [False, True], ids=["full", "read-only"])
def test_a_full_or_read_only_artifact_disk_fails_the_step_clearly(cli, tmp_path, monkeypatch, tmpfs, ro):
    artifacts = tmpfs("artdisk", "1m", ro=ro)
    monkeypatch.setenv("HEADWATER_ARTIFACTS", str(artifacts))
    result = cli("materialize", "-f", write(tmp_path, BIG))
    assert result.exit_code == 1, result.output
    expected = "Read-only file system" if ro else "No space left on device"
    assert "cannot write the artifact of 'big'" in result.output and expected in result.output
    assert "FAILURE" in result.output
    assert [p for p in artifacts.rglob("*") if p.is_file()] == []  # nothing half-written left


@pytest.mark.postgres
def test_postgres_connections_lost_mid_run_fail_the_run_clearly(cli, tmp_path, monkeypatch, postgres_schema_url):
    """The PostgreSQL server drops the run's connections: a clear store error, recorded on the run."""
    app = f"hw_{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in postgres_schema_url else "?"
    url = f"{postgres_schema_url}{sep}application_name={app}"
    monkeypatch.setenv("HEADWATER_DATABASE_URL", url)
    monkeypatch.setenv("HW_TEST_APP", app)
    monkeypatch.setenv("HW_TEST_ADMIN_URL", postgres_schema_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0])
    source = '''
        import os, time
        import psycopg
        from headwater import asset

        @asset
        def first() -> int:
            time.sleep(0.6)  # past the recorder's flush interval: the next step end writes
            return 1

        @asset
        def cut(first: int) -> int:
            with psycopg.connect(os.environ["HW_TEST_ADMIN_URL"], autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                              (os.environ["HW_TEST_APP"],))
            time.sleep(0.6)
            return first
    '''
    result = cli("materialize", "-q", "-f", write(tmp_path, source))
    assert result.exit_code == 3, result.output
    assert "could not write to the run store at postgresql" in result.stderr
    # the server's words: "terminating connection", or "server closed the connection" when
    # the connection the run writes on was dropped while idle (the heartbeat's reads keep
    # another one busy)
    assert ("terminat" in result.stderr or "closed the connection" in result.stderr) and "Traceback" not in result.output
    assert "SUCCESS" not in result.output
    from headwater.storage.sql.store import SqlStore

    with SqlStore(url) as store:
        (run,) = store.list_runs()
    assert run.status is RunStatus.FAILURE and "the run store failed" in (run.error or "")
