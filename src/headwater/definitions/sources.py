"""Versioning a source: how a step with no upstream tells whether what it reads changed.

A source asset (one with no upstream inputs) runs on every materialization, because what it
reads (a CSV, a table, an API) may have changed where Headwater cannot see. Its data
version is the hash of what it returned, so when the data is the same, its downstream is
still skipped. To skip the source step itself, declare how its source is versioned::

    @asset(source_version=files("data/*.csv"))
    def orders() -> pd.DataFrame:
        return pd.concat(pd.read_csv(path) for path in sorted(glob.glob("data/*.csv")))

    @asset(source_version=lambda: requests.get(URL + "/etag").text)
    def prices() -> pd.DataFrame: ...

The source version is any string: when it equals the one recorded with the step's last
materialization (and its code and environment are unchanged), the step is skipped.
"""

from __future__ import annotations

import glob
import hashlib
import os
import threading
from collections.abc import Callable

__all__ = ["SourceVersion", "files"]

#: what ``source_version=`` takes: a callable returning the source's version
SourceVersion = Callable[[], str]

#: real path -> (mtime_ns, size, inode, content digest): a file whose stat is unchanged is not read again
_DIGESTS: dict[str, tuple[int, int, int, str]] = {}
_LOCK = threading.Lock()


class files:  # noqa: N801 -- used like a function: source_version=files("data/*.csv")
    """The version of a set of files: a hash of their names and contents.

    Patterns are ``glob`` patterns (``**`` included), relative to the working directory
    the run starts in, as the asset's own reads are. A file whose modification time, size
    and inode are as last seen is not read again.

    Args:
        patterns: one or more glob patterns or paths.

    Example::

        @asset(source_version=files("data/*.csv", "config/schema.json"))
        def orders() -> pd.DataFrame: ...
    """

    def __init__(self, *patterns: str | os.PathLike[str]) -> None:
        if not patterns:
            raise TypeError("files() needs at least one path or glob pattern")
        self.patterns = tuple(os.fspath(pattern) for pattern in patterns)

    def matches(self) -> list[str]:
        """The files the patterns match now, sorted."""
        found = {path for pattern in self.patterns for path in glob.glob(pattern, recursive=True)}
        return sorted(path for path in found if os.path.isfile(path))

    def __call__(self) -> str:
        digest = hashlib.blake2b(digest_size=16)
        matched = self.matches()
        digest.update(f"{len(matched)} files\0".encode())
        for path in matched:
            digest.update(f"{path}\0{_file_digest(path)}\0".encode())
        return digest.hexdigest()

    def __repr__(self) -> str:
        return f"files({', '.join(repr(p) for p in self.patterns)})"


def _file_digest(path: str) -> str:
    real = os.path.realpath(path)
    stat = os.stat(real)
    key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _LOCK:
        known = _DIGESTS.get(real)
    if known is not None and known[:3] == key:
        return known[3]
    digest = hashlib.blake2b(digest_size=16)
    with open(real, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    with _LOCK:
        _DIGESTS[real] = (*key, digest.hexdigest())
    return digest.hexdigest()
