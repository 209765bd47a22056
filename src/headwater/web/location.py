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
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation

__all__ = ["ReloadingLocation"]


class ReloadingLocation:
    """A code location (``-f`` file, ``-m`` module, a folder of DAG files, or the pyproject's),
    reloaded on change."""

    def __init__(self, file: str | None = None, module: str | None = None, dags_folder: str | None = None) -> None:
        self.file = file
        self.module = module
        self.dags_folder = dags_folder
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
        if self.dags_folder is not None:
            location = _load_folder(Path(self.dags_folder))
            self._watched = [Path(self.dags_folder).resolve()]
        else:
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

    def _forget(self, location: CodeLocation) -> None:
        """Drop the location's modules from ``sys.modules`` so the next import reads the files."""
        names = [location.module] if location.module is not None else []
        if self.dags_folder is not None:
            names = [module.__name__ for module in _folder_modules(Path(self.dags_folder), load=False)]
        for module in names:
            prefix = module + "."
            for name in [n for n in sys.modules if n == module or n.startswith(prefix)]:
                del sys.modules[name]


def _watched_files(location: CodeLocation) -> list[Path]:
    """The file (or package folder) the location was imported from."""
    if location.file is None:
        return []
    path = Path(location.file).resolve()
    if path.name == "__init__.py":
        return [path.parent]
    return [path]


def _folder_modules(folder: Path, *, load: bool = True) -> list[ModuleType]:
    """The modules of the ``*.py`` files under ``folder`` (Airflow's dags folder), imported
    when ``load``; those already imported otherwise."""
    from headwater.definitions.loading import load_module

    found = []
    for path in sorted(folder.resolve().rglob("*.py")):
        if path.name.startswith(("_", ".")):
            continue
        if load:
            found.append(load_module(file=path))
        else:
            found.extend(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(path))
    return found


def _load_folder(folder: Path) -> CodeLocation:
    """Every DAG (and asset) defined at the top level of the files under ``folder``, as one location.

    Raises:
        CodeLocationError: the folder is missing, or a file fails to import.
    """
    from headwater.definitions.loading import collect
    from headwater.errors import CodeLocationError

    if not folder.is_dir():
        raise CodeLocationError(f"dags folder not found: {folder}")
    members = [member for module in _folder_modules(folder) for member in vars(module).values()]
    return collect(members, name=str(folder))
