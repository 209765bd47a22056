"""Warm executors: worker pools started once per process and reused by its later runs.

Starting workers is most of what a short run on the process pool or a local Dask cluster
costs (a ``LocalCluster`` of four workers takes about two seconds). So the first run that
needs one starts it here, and later runs of the same process (further ``materialize()``
calls in a notebook or a test session, the runs of a long-lived coordinator) lease the same
one. Each run still gets its own executor object; only the workers are shared.

API
---
``lease(kind, options, start)``
    context manager: the warm resource of ``kind`` started with ``options`` (a hashable key:
    worker count, dashboard, ...), started by ``start()`` if there is none or it is no longer
    ``usable``. Leases may overlap (concurrent runs share the workers).
``retire(resource)``
    never hand ``resource`` out again, and close it when its last lease ends (a Dask cluster
    whose workers may still run an interrupted run's step, say).
``close_all()``
    close every warm resource now; registered with :mod:`atexit` when the first one starts,
    so workers never outlive the interpreter. A test suite may call it between tests.
``resources()``
    kind -> the warm resource, for inspection.

Policy: one warm resource per kind. A run asking for other options (four workers after
two) retires the old one, which closes when the runs using it end, so a process never
holds more than one idle pool of each kind. A resource says whether it can still be used
(``usable``: a process pool whose workers keep dying is not); an unusable one is replaced.

Correctness of reuse is the resources' own (see
:mod:`headwater.execution.executors.worker_pool` and :mod:`~headwater.execution.executors.dask`):
workers take each run's environment and drop the project's modules when the code on disk
changed, dead workers are replaced, and a run's timeout or interruption kills only the
workers running its steps.

Forks: a child forked from a process holding warm resources starts with none (the
resources' threads and pipes stay with the parent). A process that forks its runs (a run
coordinator) can still share a local Dask cluster with them: start it with
:func:`local_dask_cluster` and give each run ``executor_config={"dask_address": address}``.
A process pool cannot cross a fork.

Opting out: ``executor_config={"warm": False}`` starts the run's own workers and stops
them when it ends.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

__all__ = ["WarmResource", "close_all", "lease", "local_dask_cluster", "resources", "retire"]


class WarmResource(Protocol):
    """Something worth keeping between runs: a worker pool, a local cluster."""

    @property
    def usable(self) -> bool: ...

    def close(self) -> None: ...


_R = TypeVar("_R", bound=WarmResource)


@dataclass(eq=False)
class _Entry:
    kind: str
    options: Hashable
    resource: Any
    leases: int = 0
    retired: bool = False


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}
#: retired entries still leased: closed when their last lease ends
_draining: list[_Entry] = []
_exit_hook = False


@contextlib.contextmanager
def lease(kind: str, options: Hashable, start: Callable[[], _R]) -> Iterator[_R]:
    """The warm ``kind`` resource for ``options``, started with ``start()`` when needed.

    Raises:
        Whatever ``start`` raises; nothing is kept then.
    """
    entry = _acquire(kind, options, start)
    try:
        yield entry.resource
    finally:
        _release(entry)


def retire(resource: object) -> None:
    """Hand ``resource`` out no more; it closes when its last lease ends."""
    to_close = None
    with _lock:
        for kind, entry in list(_entries.items()):
            if entry.resource is resource:
                del _entries[kind]
                to_close = _retire_locked(entry)
    if to_close is not None:
        to_close.close()


def close_all() -> None:
    """Close every warm resource now, leased or not (at interpreter exit, or between tests)."""
    with _lock:
        entries = [*_entries.values(), *_draining]
        _entries.clear()
        _draining.clear()
    for entry in entries:
        with contextlib.suppress(Exception):
            entry.resource.close()


def resources() -> dict[str, Any]:
    """Kind -> the warm resource this process holds."""
    with _lock:
        return {kind: entry.resource for kind, entry in _entries.items()}


def local_dask_cluster(workers: int, dashboard: str | None = None) -> Any:
    """The warm local Dask cluster of ``workers`` workers (its ``scheduler_address`` can be shared).

    It stays warm for the life of this process, or until a run asks for another size.
    """
    from headwater.execution.executors.dask import LocalDask

    options = ("local", workers, dashboard)
    with lease("dask", options, lambda: LocalDask.start(workers, dashboard)) as cluster:
        return cluster.cluster


# -- internals -------------------------------------------------------------------------------


def _acquire(kind: str, options: Hashable, start: Callable[[], Any]) -> _Entry:
    global _exit_hook
    to_close = None
    with _lock:
        entry = _entries.get(kind)
        if entry is not None and entry.options == options and entry.resource.usable:
            entry.leases += 1
            return entry
        if entry is not None:
            del _entries[kind]
            to_close = _retire_locked(entry)
    if to_close is not None:
        to_close.close()
    # Started outside the lock: a cluster takes seconds, and other kinds need not wait.
    resource = start()
    to_close = None
    with _lock:
        if not _exit_hook:
            atexit.register(close_all)
            _exit_hook = True
        entry = _Entry(kind, options, resource, leases=1)
        previous = _entries.get(kind)
        if previous is not None:  # another run started one meanwhile: ours replaces it
            to_close = _retire_locked(previous)
        _entries[kind] = entry
    if to_close is not None:
        to_close.close()
    return entry


def _release(entry: _Entry) -> None:
    with _lock:
        entry.leases -= 1
        done = entry.retired and entry.leases == 0 and entry in _draining
        if done:
            _draining.remove(entry)
    if done:
        entry.resource.close()


def _retire_locked(entry: _Entry) -> Any:
    """Mark ``entry`` retired (lock held); the resource to close now when nobody leases it."""
    entry.retired = True
    if entry.leases == 0:
        return entry.resource
    _draining.append(entry)
    return None


def _forget_in_child() -> None:
    """A forked child holds none of its parent's resources (their threads stayed behind)."""
    global _lock
    _lock = threading.Lock()
    _entries.clear()
    _draining.clear()


os.register_at_fork(after_in_child=_forget_in_child)
