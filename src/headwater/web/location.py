"""The code location a long-lived server shows, loaded again when its files change.

Each request asks :meth:`ReloadingLocation.get`; it compares the modification times of the
location's Python files with those it loaded and, when any changed (or a file appeared or
went), imports the location afresh. A location that fails to load raises its
``CodeLocationError`` on every request until it is fixed: the server itself stays up.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation

__all__ = ["ReloadingLocation"]


class ReloadingLocation:
    """A code location (``-f`` file, ``-m`` module, or the pyproject's), reloaded on change."""

    def __init__(self, file: str | None = None, module: str | None = None) -> None:
        self.file = file
        self.module = module
        self._lock = threading.Lock()
        self._loaded: CodeLocation | None = None
        self._stamp: dict[str, float] = {}
        self._watched: list[Path] = []

    def get(self) -> CodeLocation:
        """The location as its files are now.

        Raises:
            CodeLocationError: it cannot be imported.
            DefinitionError: what it defines is invalid.
        """
        with self._lock:
            if self._loaded is not None and self._stamps() == self._stamp:
                return self._loaded
            return self._load()

    def _load(self) -> CodeLocation:
        from headwater.definitions.loading import load_code_location

        if self._loaded is not None:
            self._forget(self._loaded)
        self._loaded = None
        location = load_code_location(file=self.file, module=self.module)
        self._watched = _watched_files(location)
        self._stamp = self._stamps()
        self._loaded = location
        return location

    def _stamps(self) -> dict[str, float]:
        stamps: dict[str, float] = {}
        for root in self._watched:
            paths = root.rglob("*.py") if root.is_dir() else [root]
            for path in paths:
                try:
                    stamps[str(path)] = path.stat().st_mtime_ns
                except OSError:
                    continue
        return stamps

    @staticmethod
    def _forget(location: CodeLocation) -> None:
        """Drop the location's modules from ``sys.modules`` so the next import reads the files."""
        if location.module is None:
            return
        prefix = location.module + "."
        for name in [n for n in sys.modules if n == location.module or n.startswith(prefix)]:
            del sys.modules[name]


def _watched_files(location: CodeLocation) -> list[Path]:
    """The file (or package folder) the location was imported from."""
    if location.file is None:
        return []
    path = Path(location.file).resolve()
    if path.name == "__init__.py":
        return [path.parent]
    return [path]
