"""The code locations a scheduler watches, re-read when their files change.

A scheduler runs for days while its users edit their pipelines, so it keeps each code
location with a fingerprint of its files (path, size, modification time) and loads it
afresh when the fingerprint changes, the way Airflow re-reads its DAGs folder:

* ``-f FILE``: that file;
* ``-m MODULE``: the module's file;
* ``[tool.headwater]`` in the project's ``pyproject.toml``: the file or module it names;
* a folder of DAG files: every ``*.py`` in it (not those starting with ``_`` or ``.``),
  each its own code location, so one broken file does not hide the others' schedules.

A file that fails to load keeps its last good definitions (none, if it never loaded: it
has no schedules until it does), and the error is reported once per change
(:attr:`WatchedLocations.errors`); the daemon goes on, as Dagster's does with a code
location that fails to load.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from headwater.errors import CodeLocationError, HeadwaterError

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation

__all__ = ["LocationRef", "WatchedLocations"]


@dataclass(frozen=True, slots=True)
class LocationRef:
    """Where a run's code is loaded from when it starts: a file, a module, or the project's."""

    file: str | None
    module: str | None
    working_dir: str


@dataclass(slots=True)
class _Entry:
    ref: LocationRef
    fingerprint: tuple[object, ...] | None = None
    location: CodeLocation | None = None


class WatchedLocations:
    """Code locations, reloaded when their files change.

    Args:
        file: a code location file.
        module: or a module.
        folder: or a folder of DAG files.
        working_dir: where runs start (and where ``pyproject.toml`` is looked up).

    Raises:
        CodeLocationError: neither is given and the project names no code location, or the
            folder does not exist.
    """

    def __init__(
        self,
        file: str | None = None,
        module: str | None = None,
        folder: str | None = None,
        working_dir: str | None = None,
    ) -> None:
        self.working_dir = str(Path(working_dir or os.getcwd()).resolve())
        self.folder = Path(folder).resolve() if folder is not None else None
        if self.folder is not None and not self.folder.is_dir():
            raise CodeLocationError(f"DAGs folder not found: {folder}")
        if self.folder is None and file is None and module is None:
            from headwater.definitions.loading import default_location

            file, module = default_location(Path(self.working_dir))
        if file is not None:
            file = str((Path(self.working_dir) / file).resolve())
        self._single = None if self.folder is not None else LocationRef(file, module, self.working_dir)
        self._entries: dict[str, _Entry] = {}
        #: the newest load error of each file that failed (cleared when it loads again)
        self.errors: dict[str, str] = {}

    def has_definitions(self, key: str) -> bool:
        """Whether location ``key`` (an :attr:`errors` key) ever loaded: it keeps its last good definitions."""
        entry = self._entries.get(key)
        return entry is not None and entry.location is not None

    def describe(self) -> str:
        """What is watched, for a message."""
        if self.folder is not None:
            return f"DAGs folder {self.folder}"
        assert self._single is not None
        return self._single.file or f"module {self._single.module}"

    def current(self) -> list[tuple[LocationRef, CodeLocation]]:
        """Every location as it is on disk now (reloading what changed), with its reference."""
        refs = [self._single] if self._single is not None else self._folder_refs()
        known = {self._key(ref) for ref in refs}
        for gone in set(self._entries) - known:
            del self._entries[gone]
            self.errors.pop(gone, None)
        loaded = []
        for ref in refs:
            entry = self._entries.setdefault(self._key(ref), _Entry(ref))
            self._refresh(entry)
            if entry.location is not None:
                loaded.append((ref, entry.location))
        return loaded

    def _folder_refs(self) -> list[LocationRef]:
        assert self.folder is not None
        files = sorted(p for p in self.folder.glob("*.py") if not p.name.startswith(("_", ".")))
        return [LocationRef(str(path), None, self.working_dir) for path in files]

    @staticmethod
    def _key(ref: LocationRef) -> str:
        return ref.file or f"module:{ref.module}"

    def _path(self, ref: LocationRef) -> Path | None:
        if ref.file is not None:
            return Path(ref.file)
        spec = importlib.util.find_spec(str(ref.module)) if ref.module else None
        return Path(spec.origin) if spec is not None and spec.origin else None

    def _refresh(self, entry: _Entry) -> None:
        path = self._path(entry.ref)
        try:
            stat = path.stat() if path is not None else None
            fingerprint: tuple[object, ...] = (stat.st_mtime_ns, stat.st_size) if stat is not None else ()
        except OSError:
            fingerprint = ("missing",)
        if fingerprint == entry.fingerprint:
            return
        entry.fingerprint = fingerprint
        key = self._key(entry.ref)
        try:
            entry.location = _load_fresh(entry.ref, path)
            self.errors.pop(key, None)
        except HeadwaterError as exc:  # keep the last good definitions
            self.errors[key] = str(exc)


def _load_fresh(ref: LocationRef, path: Path | None) -> CodeLocation:
    """Load ``ref`` from disk, not from the modules this process imported before."""
    from headwater.definitions.loading import load_code_location

    if path is not None:
        for name, module in list(sys.modules.items()):
            if getattr(module, "__file__", None) == str(path):
                del sys.modules[name]
    if ref.working_dir not in sys.path:
        sys.path.insert(0, ref.working_dir)
    return load_code_location(file=ref.file, module=ref.module, project_dir=ref.working_dir)
