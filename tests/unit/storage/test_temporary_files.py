"""Temporary files of killed writes are removed when the store opens, and never a live one.

Writes are made in the store's writing folder, so opening a store looks there alone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from headwater.settings import Settings
from headwater.storage.artifacts import _HOST, WRITING_FOLDER, FsspecArtifactStore
from headwater.storage.instance import Instance


def temporaries(root: Path) -> list[Path]:
    return sorted(root.rglob(".tmp-*"))


@pytest.mark.slow
def test_a_write_killed_midway_leaves_nothing_after_the_next_open(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of writing a large artifact; the next open cleans up."""
    home = tmp_path / "home"
    artifacts = home / "artifacts"
    script = textwrap.dedent(f"""
        import time
        from headwater.storage.artifacts import _HOST, WRITING_FOLDER, FsspecArtifactStore

        class Slow:
            def __reduce__(self):
                print("writing", flush=True)
                time.sleep(60)
                return (int, (1,))

        FsspecArtifactStore({str(artifacts)!r}).put("big", [b"x" * 5_000_000, Slow()], serializer="cloudpickle")
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        left = temporaries(artifacts)
        assert len(left) == 1
        # while its writer lives, opening the store leaves it alone
        Instance.from_settings(Settings.from_env(home)).close()
        assert temporaries(artifacts) == left
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        writer.kill()
    assert temporaries(artifacts) == left  # nothing removed it yet
    Instance.from_settings(Settings.from_env(home)).close()
    assert temporaries(artifacts) == []
    assert [p for p in artifacts.rglob("*") if p.is_file()] == []


def test_old_temporaries_of_unknown_writers_are_removed_by_age(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", [1])
    folder = Path(stored.uri).parent
    old, young = folder / ".tmp-0123456789abcdef", folder / ".tmp-otherhost-1-ab"
    for path in (old, young):
        path.write_bytes(b"partial")
    then = time.time() - 120
    os.utime(old, (then, then))
    assert store.sweep_temporary(max_age=60, dry_run=True) == [str(old)]
    assert old.exists()
    assert store.sweep_temporary(max_age=60) == [str(old)]
    assert not old.exists() and young.exists() and Path(stored.uri).exists()
    Instance.from_settings(Settings.from_env(tmp_path / "h"), temporary_max_age=0).close()
    home_store = FsspecArtifactStore(str(tmp_path / "h" / "artifacts"))
    assert home_store.sweep_temporary() == []


def test_writes_are_made_in_the_writing_folder_which_opening_sweeps_alone(tmp_path: Path) -> None:
    """Opening a store lists one folder for temporaries of killed writes, not every asset's."""
    home = tmp_path / "home"
    artifacts = home / "artifacts"
    store = FsspecArtifactStore(str(artifacts))
    stored = store.put("raw/iris", [1, 2, 3])
    assert Path(stored.uri).parent == artifacts / "raw" / "iris"
    writing = artifacts / WRITING_FOLDER
    assert writing.is_dir() and list(writing.iterdir()) == []  # renamed into place, nothing left
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = writing / f".tmp-{_HOST}-{int(dead.stdout)}-0123456789ab"
    beside = Path(stored.uri).parent / f".tmp-{_HOST}-{int(dead.stdout)}-ba9876543210"  # an older layout's
    killed.write_bytes(b"partial")
    beside.write_bytes(b"partial")
    Instance.from_settings(Settings.from_env(home)).close()
    assert not killed.exists() and beside.exists() and Path(stored.uri).exists()
    assert store.sweep_temporary() == [str(beside)]  # gc's sweep looks everywhere


def test_a_value_lands_in_an_asset_folder_on_another_file_system(tmp_path: Path) -> None:
    """A rename cannot cross file systems: the file is copied beside its target first."""
    other = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        assert os.stat(other).st_dev != os.stat(tmp_path).st_dev, "needs /dev/shm on another file system"
        artifacts = tmp_path / "artifacts"
        artifacts.mkdir()
        (artifacts / "model").symlink_to(other, target_is_directory=True)
        store = FsspecArtifactStore(str(artifacts))
        stored = store.put("model", {"weights": [1, 2]})
        assert store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes, data_version=stored.data_version) == {
            "weights": [1, 2]
        }
        assert [p.name for p in other.iterdir()] == [Path(stored.uri).name]
        assert list((artifacts / WRITING_FOLDER).iterdir()) == []
    finally:
        shutil.rmtree(other, ignore_errors=True)
