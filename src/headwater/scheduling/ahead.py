"""A run process that loads its code location ahead, used only while that code is unchanged on disk.

The fork server (:mod:`headwater.scheduling.launcher`) keeps one run process forked ahead
of the next run. When runs come from one code location (a schedule firing every few
seconds), that process loads the location of the last run while it waits, so the run it
is handed starts with its code imported. Edited code must still be what runs, so the code
loaded ahead is used only when, at hand-off:

* the run's location (file, module, working folder) is the one loaded;
* every file imported while loading it (the location's file, the modules it imported) has
  the same modification time, size and inode, and every folder of the user's files among
  them (those outside the interpreter's own and installed packages) has the same modules
  and subfolders: one added there could shadow an import (other files may come and go:
  a run writing its output next to its code does not make the next one load again);
* it was loaded at most :data:`FRESH` seconds ago, so what the code did at import (read a
  configuration file, say) is recent.

Otherwise the process has imported code that must not run: :meth:`LoadedAhead.location_for`
raises :class:`StaleCode`, and the process hands the run back to the server, which starts it
in a clean process that loads the location from disk then.

Example::

    ahead = LoadedAhead.load({"file": "/p/etl.py", "module": None, "working_dir": "/p"})
    location = ahead.location_for(run.launch)  # or StaleCode
"""

from __future__ import annotations

import os
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation

__all__ = ["FRESH", "LoadedAhead", "StaleCode"]

#: seconds code loaded ahead may wait for its run
FRESH = 60.0

_Stat = tuple[int, int, int]


class StaleCode(Exception):  # noqa: N818 -- not an error of the run: a reason to run it elsewhere
    """The code loaded ahead may not run this run (another location, edited, or too old).

    Not a ``HeadwaterError``: nothing is recorded, the run goes to a clean process.
    """


@dataclass
class LoadedAhead:
    """A code location loaded ahead of its run, with what its files looked like then."""

    where: dict[str, Any]
    #: None when loading failed (some of its code may be imported all the same)
    location: CodeLocation | None
    loaded_at: float
    files: dict[str, _Stat | None] = field(default_factory=dict)
    folders: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, where: dict[str, Any]) -> LoadedAhead:
        """Load the location ``where`` (a launch record's ``location``) and note its files."""
        from headwater.scheduling.launch import load_launch_location

        before = set(sys.modules)
        loaded_at = time.monotonic()
        location: CodeLocation | None
        try:
            location = load_launch_location({"location": where})
        except (Exception, SystemExit):  # noqa: BLE001 -- a clean process loads it again and says why
            location = None
        paths = {str(where["file"])} if where.get("file") else set()
        for name in set(sys.modules) - before:
            path = getattr(sys.modules.get(name), "__file__", None)
            if path:
                paths.add(str(path))
        installed = _installed_prefixes()
        folders = {os.path.dirname(path) for path in paths if not path.startswith(installed)}
        return cls(
            dict(where), location, loaded_at, {path: _stat(path) for path in paths},
            {folder: _importable(folder) for folder in folders},
        )

    def location_for(self, launch: dict[str, Any]) -> CodeLocation:
        """The location loaded ahead, for a run with launch record ``launch``.

        Raises:
            StaleCode: it is not the run's location, its files changed, it failed to load,
                or it was loaded more than :data:`FRESH` seconds ago.
        """
        if (launch.get("location") or {}) != self.where:
            raise StaleCode("the run is of another code location")
        if self.location is None:
            raise StaleCode("the code location did not load ahead")
        if time.monotonic() - self.loaded_at > FRESH:
            raise StaleCode(f"the code location was loaded more than {FRESH:g} s ago")
        changed = [path for path, seen in self.files.items() if _stat(path) != seen]
        changed += [folder for folder, seen in self.folders.items() if _importable(folder) != seen]
        if changed:
            raise StaleCode(f"changed since it was loaded: {changed[0]}")
        return self.location


def _stat(path: str) -> _Stat | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


def _importable(folder: str) -> frozenset[str]:
    """The modules and subfolders (packages, maybe) in ``folder``."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.name.endswith(".py") or e.is_dir(follow_symlinks=False))
    except OSError:
        return frozenset()


def _installed_prefixes() -> tuple[str, ...]:
    """Where the interpreter's own modules and the installed packages live."""
    paths = sysconfig.get_paths()
    return tuple({paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths})
