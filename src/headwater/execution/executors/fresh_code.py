"""Keeping a long-lived worker process's user code fresh from one run to the next.

A warm worker (a process pool's, a Dask worker) runs steps of many runs. Python caches
every module it imports in ``sys.modules``, so without care a worker would go on running
the code it imported for the first run after the file changed, and one run's modules
would answer another run's imports of the same name. Before each run, the worker calls
:meth:`UserCode.begin_run`; the project's modules (``is_project_file``: not the standard
library, site-packages or Headwater) are dropped from ``sys.modules`` when any of these
holds, so that the run imports them again from disk:

* a file one of them was loaded from changed (size, mtime or inode) or is gone;
* a project folder on ``sys.path`` or holding one of them changed (a module added,
  removed or renamed, which could shadow another);
* the run's code identity (its code location and ``sys.path``) is not the previous run's:
  a module named ``helpers`` of one project must not answer another project's import;
* a project module is loaded that this tracker did not see arrive (inherited through a
  fork from the parent, whose copy may be older than the file).

Libraries stay imported: that is the point of a warm worker. When nothing changed,
nothing is imported again, and a run costs a ``stat`` per project module.

A module imported while a step ran is stamped after the step; if its file was modified
since the step started (it may have changed after the import), it is stamped as unknown,
which makes the next run import it again.

Example::

    code = UserCode()
    code.begin_run(identity=("pipeline.py", tuple(sys.path)))   # imports nothing yet
    import_location(...)                                         # the run's code
    code.stamp_new(since=started)                                # after each step
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import types
from collections.abc import Hashable

from headwater.planning.versions import is_project_file

__all__ = ["UserCode"]

#: a file's (size, mtime in ns, inode); None when unknown (forces a reload)
_Stamp = tuple[int, int, int] | None
#: modules that are never dropped: the running script's, whatever its file
_KEEP = frozenset({"__main__", "__mp_main__"})
#: clocks and file times may disagree by a tick: a file stamped this close to a step's start is suspect
_CLOCK_SLACK_NS = 50_000_000


class UserCode:
    """What project code this process has imported, and from which files (see the module docstring)."""

    def __init__(self) -> None:
        #: module name -> the file it was loaded from and that file's stamp when it was
        self._files: dict[str, tuple[str, _Stamp]] = {}
        #: project folder -> its stamp when last looked at
        self._folders: dict[str, _Stamp] = {}
        self._identity: Hashable = None
        self._seen = len(sys.modules)
        #: how many times begin_run dropped the project's modules (for tests and benchmarks)
        self.reloads = 0

    def begin_run(self, identity: Hashable) -> bool:
        """Drop the project's modules if they may be stale for a run of ``identity``.

        Returns:
            Whether they were dropped (the run imports them again).
        """
        stale = identity != self._identity or self._changed()
        self._identity = identity
        if stale:
            self._drop()
            self.reloads += 1
        return stale

    def stamp_new(self, since: float | None = None) -> None:
        """Stamp the project modules imported since the last call.

        Args:
            since: when the code that imported them started (``time.time()``); a file
                modified after it is stamped unknown. None: they were imported just now.
        """
        if len(sys.modules) == self._seen:
            return
        since_ns = None if since is None else int(since * 1e9) - _CLOCK_SLACK_NS
        for name, module in list(sys.modules.items()):
            if name in self._files or name in _KEEP:
                continue
            file = _project_file(module)
            if file is None:
                continue
            stamp = _stamp(file)
            if stamp is not None and since_ns is not None and stamp[1] >= since_ns:
                stamp = None
            self._files[name] = (file, stamp)
            folder = os.path.dirname(file)
            if folder not in self._folders:
                self._folders[folder] = _stamp(folder)
        for entry in sys.path:
            if entry and entry not in self._folders and os.path.isdir(entry) and is_project_file(entry):
                self._folders[entry] = _stamp(entry)
        self._seen = len(sys.modules)

    def _changed(self) -> bool:
        for name, module in list(sys.modules.items()):
            if name in _KEEP:
                continue
            known = self._files.get(name)
            if known is None:
                if _project_file(module) is not None:
                    return True  # arrived unseen: inherited through a fork, or imported outside a step
                continue
            file, stamp = known
            if stamp is None or _stamp(file) != stamp:
                return True
        return any(stamp is None or _stamp(folder) != stamp for folder, stamp in self._folders.items())

    def _drop(self) -> None:
        for name, module in list(sys.modules.items()):
            file = None if name in _KEEP else _project_file(module)
            if file is None:
                continue
            del sys.modules[name]
            known = self._files.get(name)
            cached = getattr(module, "__cached__", None)
            if isinstance(cached, str) and (known is None or known[1] is None or _stamp(file) != known[1]):
                # Bytecode is checked against the source's mtime in whole seconds and its size:
                # an edit within the second that kept the size would load the old code.
                with contextlib.suppress(OSError):
                    os.unlink(cached)
        self._files.clear()
        self._folders.clear()
        importlib.invalidate_caches()
        self._seen = -1  # the next stamp_new looks at everything


def _project_file(module: types.ModuleType | None) -> str | None:
    """The file of a module of the project (not a library's, nor Headwater's); None otherwise."""
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not is_project_file(file):
        return None
    return file


def _stamp(path: str) -> _Stamp:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ino
