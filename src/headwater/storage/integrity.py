"""Is a stored artifact still the bytes that were written? Content hashes and their checks.

A data version is the BLAKE3 hash (16 bytes, 32 hex digits) of an artifact's bytes, taken
as they were written; the file is named after it (``{data_version}.{ext}``). Two checks
compare a file with the version recorded for it:

* **full** (:func:`hash_file`): hash every byte again. Every *read* of a value does this
  before deserializing it (so a damaged pickle is never unpickled, and a flipped bit in a
  frame never loads as a different frame), and so does ``headwater verify``. BLAKE3 runs
  at GB/s, and large files are hashed through a memory map; the pages it touches are the
  ones the deserializer reads next, from the page cache.
* **quick** (:func:`damage`): is the file there, with its recorded size; and when it was
  modified after its materialization was recorded (an edit, a copy over it) and is at most
  :data:`QUICK_HASH_MAX_BYTES`, the full hash too. The up-to-date check of a run (and
  ``headwater assets list``) does this for every step it would skip, so a no-op rerun of a
  thousand steps costs a thousand ``stat`` calls, not a re-read of every value.

Why that split is correct: a missing, truncated or extended file, and any edit of a small
file, is found before the step is skipped, so the step reruns and writes the file again
(the store replaces a damaged file of the same name). Damage that keeps the size and the
modification time (bit rot), or same-size edits of a *large* file, are found when the
value is read: the read fails with
:class:`~headwater.errors.ArtifactCorrupt` naming the asset, the file and the run, and the
damaged file is moved aside (``<file>.corrupt``), so from then on the quick check sees it
missing and the next run recomputes it. A large value nobody reads is found by
``headwater verify``, which moves it aside the same way.

Example::

    reason = damage("/h/artifacts/raw/3f1c….json", size_bytes=120, data_version="3f1c…")
    # None when intact, else e.g. "size mismatch: expected 120 bytes, found 60"
"""

from __future__ import annotations

import mmap
import os
import re
from typing import IO, Any

__all__ = [
    "CORRUPT_SUFFIX",
    "QUICK_HASH_MAX_BYTES",
    "damage",
    "digest_of",
    "expected_version",
    "hash_file",
    "new_hasher",
]

#: The quick check hashes files up to this size in full (1 MiB: tens of microseconds each).
QUICK_HASH_MAX_BYTES = 1 << 20

#: A damaged file found by a read or ``headwater verify`` is renamed with this suffix.
CORRUPT_SUFFIX = ".corrupt"

#: Files at least this large are hashed through a memory map (no copy into Python bytes).
_MAPPED_HASH_BYTES = 4 << 20
_VERSION = re.compile(r"[0-9a-f]{32}")


def new_hasher() -> Any:
    """A BLAKE3 hasher.

    Single-threaded on purpose: BLAKE3's ``max_threads`` starts a Rayon thread pool, which a
    worker forked afterwards (the process executor forks its workers) inherits broken.
    """
    global _blake3
    if _blake3 is None:
        from blake3 import blake3

        _blake3 = blake3
    return _blake3()


_blake3: Any = None


def digest_of(hasher: Any) -> str:
    """The data version a hasher has computed: 16 bytes as hex."""
    return str(hasher.hexdigest(length=16))


def hash_file(file: IO[bytes], size: int) -> str:
    """The data version of an open local file's whole content (the file position is kept).

    Args:
        file: a local file opened for binary reading.
        size: its size in bytes (from ``fstat``).
    """
    hasher = new_hasher()
    if size >= _MAPPED_HASH_BYTES:
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            hasher.update(mapped)
    elif size:
        position = file.tell()
        file.seek(0)
        hasher.update(file.read())
        file.seek(position)
    return digest_of(hasher)


def expected_version(uri: str, data_version: str | None) -> str | None:
    """The version a file must hash to: the recorded one, else the one its name carries.

    Files not named by a content hash (and given no version) cannot be checked: None.
    """
    if data_version:
        return data_version
    stem = os.path.basename(uri).partition(".")[0]
    return stem if _VERSION.fullmatch(stem) else None


def damage(
    path: str,
    *,
    size_bytes: int | None,
    data_version: str | None,
    thorough: bool = False,
    recorded_at: float | None = None,
) -> str | None:
    """Check a local file (see the module docstring): why it is damaged, or None.

    Args:
        path: the local file.
        size_bytes: the size recorded when it was written (None: not checked).
        data_version: the version recorded for it (None: the one in its name).
        thorough: hash it whatever its size (the full check); else the quick check.
        recorded_at: when it was recorded (epoch seconds); the quick check trusts a file of
            the right size not modified since then, and hashes it only otherwise.

    Returns:
        None when intact; else ``"missing"``, ``"size mismatch: expected N bytes, found M"``,
        ``"content hash mismatch"`` or ``"unreadable: ..."``.
    """
    # Raw descriptors, not file objects, and one stat when it will do: this runs for every
    # step a run skips.
    try:
        if recorded_at is not None and not thorough:
            stat = os.stat(path)
            if size_bytes is not None and stat.st_size != size_bytes:
                return f"size mismatch: expected {size_bytes} bytes, found {stat.st_size}"
            if stat.st_mtime <= recorded_at:
                return None
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        if os.path.exists(path + CORRUPT_SUFFIX):
            return "content hash mismatch (found when it was last read; moved aside)"
        return "missing"
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:
        size = os.fstat(fd).st_size
        if size_bytes is not None and size != size_bytes:
            return f"size mismatch: expected {size_bytes} bytes, found {size}"
        expected = expected_version(path, data_version)
        if expected is None or (size > QUICK_HASH_MAX_BYTES and not thorough):
            return None
        hasher = new_hasher()
        if size >= _MAPPED_HASH_BYTES:
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
                hasher.update(mapped)
        elif size:
            hasher.update(os.read(fd, size))
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    finally:
        os.close(fd)
    return None if digest_of(hasher) == expected else "content hash mismatch"
