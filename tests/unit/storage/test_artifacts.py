"""The artifact store: atomic, content-addressed writes and loud failures on bad files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from headwater.errors import ArtifactCorrupt, StorageError
from headwater.storage.artifacts import FsspecArtifactStore, StoredArtifact


class Explodes:
    """Pickling writes a large chunk first, then raises: a failure in the middle of a write."""

    def __reduce__(self) -> Any:
        raise RuntimeError("cannot pickle me")


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_put_get_round_trip(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path / "art"))
    stored = store.put("models/churn", {"auc": 0.91})
    assert isinstance(stored, StoredArtifact)
    assert stored.serializer == "json"
    assert stored.uri == f"{tmp_path}/art/models/churn/{stored.data_version}.json"
    assert stored.size_bytes == os.path.getsize(stored.uri)
    assert len(stored.data_version) == 32
    assert store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes) == {"auc": 0.91}
    assert store.exists(stored.uri)
    store.delete(stored.uri)
    assert not store.exists(stored.uri)
    store.delete(stored.uri)  # idempotent


def test_same_value_same_version_one_file(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    first = store.put("k", {"b": 1, "a": [1, 2]})
    second = store.put("k", {"a": [1, 2], "b": 1})  # key order does not matter
    assert first == second
    assert files_under(tmp_path) == [f"k/{first.data_version}.json"]
    assert store.put("k", {"a": 3}).data_version != first.data_version


def test_dataframe_version_is_stable(tmp_path: Path) -> None:
    import pandas as pd
    store = FsspecArtifactStore(str(tmp_path))
    df = pd.DataFrame({"x": range(100), "y": [str(i) for i in range(100)]})
    first = store.put("df", df)
    assert first.serializer == "parquet"
    assert store.put("df", df.copy()).data_version == first.data_version
    pd.testing.assert_frame_equal(store.get(first.uri, "parquet"), df)


def test_failed_serialization_leaves_nothing(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    with pytest.raises(StorageError, match="cannot serialize.*'bad'.*collection.*cannot pickle me"):
        store.put("bad", [b"x" * 1_000_000, Explodes()])
    assert files_under(tmp_path) == []


def test_interrupt_mid_write_leaves_nothing(tmp_path: Path) -> None:
    class Interrupts:
        def __reduce__(self) -> Any:
            raise KeyboardInterrupt

    store = FsspecArtifactStore(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        store.put("bad", [b"x" * 1_000_000, Interrupts()])
    assert files_under(tmp_path) == []


def test_frame_parquet_cannot_hold_falls_back_to_cloudpickle(tmp_path: Path) -> None:
    import pandas as pd
    store = FsspecArtifactStore(str(tmp_path))
    df = pd.DataFrame({"obj": [Point(1), Point(2)]})  # pyarrow cannot convert these
    stored = store.put("mixed", df)
    assert stored.serializer == "cloudpickle"
    pd.testing.assert_frame_equal(store.get(stored.uri, stored.serializer), df)


def test_serializer_override(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", [1, 2], serializer="cloudpickle")
    assert stored.serializer == "cloudpickle"
    assert stored.uri.endswith(".pkl")
    assert store.get(stored.uri, "cloudpickle") == [1, 2]
    with pytest.raises(StorageError, match="unknown serializer"):
        store.put("k", 1, serializer="nope")


def test_truncated_file_is_corrupt(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", {"values": list(range(100))})
    with open(stored.uri, "r+b") as f:
        f.truncate(10)
    with pytest.raises(ArtifactCorrupt, match=f"{stored.uri}.*expected {stored.size_bytes}"):
        store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes)
    with pytest.raises(ArtifactCorrupt, match=f"{stored.uri}.*content hash mismatch"):
        store.get(stored.uri, stored.serializer)


@pytest.mark.parametrize("value", [{"a": 1}, (1, "x"), b"pickled"])
def test_garbage_written_over_an_artifact_is_corrupt(tmp_path: Path, value: Any) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", value)
    Path(stored.uri).write_bytes(b"\x00garbage\xff" * 3)
    with pytest.raises(ArtifactCorrupt, match=f"{stored.uri}.*content hash mismatch"):
        store.get(stored.uri, stored.serializer)


@pytest.mark.parametrize("name", ["parquet", "skops", "npy", "cloudpickle", "collection"])
def test_garbage_named_serializer(tmp_path: Path, name: str) -> None:
    import pandas  # noqa: F401 -- the serializer needs it: fail, never skip

    path = tmp_path / "junk.bin"
    path.write_bytes(b"PK\x03\x04 not really anything")
    with pytest.raises(ArtifactCorrupt, match="junk.bin"):
        FsspecArtifactStore(str(tmp_path)).get(str(path), name)


def test_missing_file_is_corrupt(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    with pytest.raises(ArtifactCorrupt, match="missing"):
        store.get(str(tmp_path / "gone.json"), "json")


def test_invalid_keys_are_refused(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    for key in ["", "../escape", "a//b", "/abs", "a/./b"]:
        with pytest.raises(StorageError, match="invalid asset key"):
            store.put(key, 1)


def test_folder_removed_behind_the_store(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path / "art"))
    store.put("k", 1)
    for p in (tmp_path / "art" / "k").iterdir():
        p.unlink()
    (tmp_path / "art" / "k").rmdir()
    stored = store.put("k", 2)
    assert store.get(stored.uri, "json") == 2


def test_local_properties(tmp_path: Path) -> None:
    store = FsspecArtifactStore(f"file://{tmp_path}")
    assert store.is_local
    assert store.root == str(tmp_path)
    stored = store.put("k", 1)
    assert store.get(f"file://{stored.uri}", "json") == 1


def test_remote_store_via_fsspec() -> None:
    import uuid

    store = FsspecArtifactStore(f"memory://hw-{uuid.uuid4().hex}")
    assert not store.is_local
    stored = store.put("a/b", (1, "x"))
    assert stored.uri.startswith("memory://")
    assert stored.uri.endswith(f"/a/b/{stored.data_version}.zip")
    assert store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes) == (1, "x")
    assert store.put("a/b", (1, "x")) == stored
    with pytest.raises(ArtifactCorrupt, match="size mismatch"):
        store.get(stored.uri, stored.serializer, size_bytes=1)
    with pytest.raises(StorageError):
        store.put("a/b", [Explodes()])
    assert store._fs.find(store.root) == [stored.uri.removeprefix("memory://")]
    store.delete(stored.uri)
    assert not store.exists(stored.uri)
    with pytest.raises(ArtifactCorrupt, match="missing"):
        store.get(stored.uri, stored.serializer)
