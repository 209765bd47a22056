"""Every read checks an artifact's bytes against its data version; damage is never loaded.

The fault test behind this (issue 10): single-bit flips in ``.npy``, Parquet, JSON and
cloudpickle artifacts loaded silently as other values, and a JSON ``14`` edited to ``94``
(same size) made a downstream total wrong with nothing in the lineage to show it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from headwater.errors import ArtifactCorrupt, StorageError
from headwater.storage.artifacts import FsspecArtifactStore
from headwater.storage.integrity import CORRUPT_SUFFIX, QUICK_HASH_MAX_BYTES


class Box:
    """A value only cloudpickle stores."""

    def __init__(self, items: list[int]) -> None:
        self.items = items


def _values() -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    return {
        "npy": rng.standard_normal(500),
        "parquet": pd.DataFrame({"x": rng.integers(0, 1000, 300), "y": rng.standard_normal(300)}),
        "json": {"counts": list(range(200)), "name": "orders"},
        "cloudpickle": Box(list(range(300))),
    }


def flip_bit(path: str, rng: random.Random) -> None:
    data = bytearray(Path(path).read_bytes())
    position = rng.randrange(len(data) * 8)
    data[position // 8] ^= 1 << (position % 8)
    Path(path).write_bytes(bytes(data))


@pytest.mark.parametrize("serializer", ["npy", "parquet", "json", "cloudpickle"])
def test_every_single_bit_flip_is_caught(tmp_path: Path, serializer: str) -> None:
    value = _values()[serializer]
    rng = random.Random(serializer)
    for trial in range(25):
        store = FsspecArtifactStore(str(tmp_path / f"t{trial}"))
        stored = store.put("asset", value)
        assert stored.serializer == serializer
        flip_bit(stored.uri, rng)
        with pytest.raises(ArtifactCorrupt, match="content hash mismatch") as info:
            store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes,
                      data_version=stored.data_version, run_id="run42")
        message = str(info.value)
        assert "'asset'" in message and stored.uri in message and "run42" in message
        assert info.value.asset_key == "asset" and info.value.run_id == "run42"


def test_same_size_edit_of_a_json_value_is_caught(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("orders", [3, 14, 25])
    text = Path(stored.uri).read_text()
    Path(stored.uri).write_text(text.replace("14", "94"))
    assert os.path.getsize(stored.uri) == stored.size_bytes
    with pytest.raises(ArtifactCorrupt, match=r"asset 'orders'.*content hash mismatch"):
        store.get(stored.uri, "json", size_bytes=stored.size_bytes, data_version=stored.data_version)
    # without the recorded version, the one in the file's name is checked
    Path(stored.uri + CORRUPT_SUFFIX).rename(stored.uri)
    with pytest.raises(ArtifactCorrupt, match="content hash mismatch"):
        store.get(stored.uri, "json")


def test_a_damaged_file_is_moved_aside_and_a_rewrite_repairs_it(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", {"a": 14})
    Path(stored.uri).write_text(Path(stored.uri).read_text().replace("14", "94"))
    with pytest.raises(ArtifactCorrupt):
        store.get(stored.uri, "json", data_version=stored.data_version)
    assert not os.path.exists(stored.uri) and os.path.exists(stored.uri + CORRUPT_SUFFIX)
    reason = store.check(stored.uri, size_bytes=stored.size_bytes, data_version=stored.data_version)
    assert reason is not None and reason.startswith("content hash mismatch")
    again = store.put("k", {"a": 14})
    assert again == stored
    assert store.get(stored.uri, "json", data_version=stored.data_version) == {"a": 14}


def test_writing_the_same_value_repairs_a_damaged_copy(tmp_path: Path) -> None:
    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", [1, 2, 3])
    Path(stored.uri).write_text("[1,2,4]")
    store.put("k", [1, 2, 3])
    assert store.get(stored.uri, "json", data_version=stored.data_version) == [1, 2, 3]


def test_quick_check_sizes_every_file_and_hashes_small_ones(tmp_path: Path) -> None:
    import numpy as np
    store = FsspecArtifactStore(str(tmp_path))
    small = store.put("small", {"v": 14})
    big = store.put("big", np.zeros(QUICK_HASH_MAX_BYTES // 8 + 1000))
    assert big.size_bytes > QUICK_HASH_MAX_BYTES

    def check(s: Any, thorough: bool = False) -> str | None:
        return store.check(s.uri, size_bytes=s.size_bytes, data_version=s.data_version, thorough=thorough)

    assert check(small) is None and check(big) is None
    Path(small.uri).write_text(Path(small.uri).read_text().replace("14", "94"))
    assert check(small) == "content hash mismatch"
    with open(big.uri, "r+b") as f:  # same size, one byte changed deep inside
        f.seek(big.size_bytes - 10)
        f.write(b"\x01")
    assert check(big) is None  # the quick check does not re-read large files
    assert check(big, thorough=True) == "content hash mismatch"
    with open(big.uri, "r+b") as f:
        f.truncate(100)
    assert check(big) == f"size mismatch: expected {big.size_bytes} bytes, found 100"
    os.unlink(small.uri)
    assert check(small) == "missing"


def test_remote_store_checks_hashes_too() -> None:
    import uuid

    store = FsspecArtifactStore(f"memory://hw-{uuid.uuid4().hex}")
    stored = store.put("a/b", [3, 14])
    with store._fs.open(stored.uri, "wb") as f:
        f.write(b"[3,94]")
    with pytest.raises(ArtifactCorrupt, match="asset 'a/b'.*content hash mismatch"):
        store.get(stored.uri, "json", size_bytes=stored.size_bytes, data_version=stored.data_version)
    assert store.check(stored.uri, size_bytes=stored.size_bytes, data_version=None, thorough=True) == (
        "content hash mismatch"
    )


def test_a_class_whose_module_is_gone_says_which_module(tmp_path: Path) -> None:
    """A pickled value whose class cannot be imported is not "corrupt": the module is named."""
    module_dir = tmp_path / "mods"
    module_dir.mkdir()
    (module_dir / "vanishing_mod.py").write_text("class Thing:\n    def __init__(self):\n        self.x = 1\n")
    art = tmp_path / "art"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(module_dir)!r})
        import vanishing_mod
        from headwater.storage.artifacts import FsspecArtifactStore
        stored = FsspecArtifactStore({str(art)!r}).put("thing", vanishing_mod.Thing(), serializer="cloudpickle")
        print(stored.uri, stored.data_version)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    uri, version = out.split()
    with pytest.raises(StorageError) as info:
        FsspecArtifactStore(str(art)).get(uri, "cloudpickle", data_version=version)
    assert not isinstance(info.value, ArtifactCorrupt)
    assert "vanishing_mod" in str(info.value) and "corrupt" not in str(info.value)


def test_quick_check_with_a_record_time_hashes_only_files_changed_since(tmp_path: Path) -> None:
    """A file untouched since its materialization was recorded costs one stat; an edited one is hashed."""
    import time

    store = FsspecArtifactStore(str(tmp_path))
    stored = store.put("k", {"v": 14})
    recorded_at = time.time()

    def check() -> str | None:
        return store.check(stored.uri, size_bytes=stored.size_bytes, data_version=stored.data_version,
                           recorded_at=recorded_at)

    assert check() is None
    Path(stored.uri).write_text(Path(stored.uri).read_text().replace("14", "94"))  # edited: newer
    assert check() == "content hash mismatch"
    os.utime(stored.uri, (recorded_at - 10, recorded_at - 10))  # bit rot keeps the old time
    assert check() is None  # trusted by its size; the read finds it
    with pytest.raises(ArtifactCorrupt, match="content hash mismatch"):
        store.get(stored.uri, "json", data_version=stored.data_version)
    assert check() == "content hash mismatch (found when it was last read; moved aside)"
