"""Loading, ahead of any command, what commands load: for a process that forks them warm.

The warm CLI server (:mod:`headwater.cli.warm`) imports these once and forks a child per
command, so no command pays for them again. What it loads is Headwater's own engine and
stores and the libraries they use (the SQL toolkit and its SQLite and PostgreSQL drivers,
cloudpickle); never a user's code, never a data library (pandas, numpy: their thread pools
must not be forked), and it leaves no connection, file or thread open.

:func:`preload` also runs one throw-away run of an internal asset in a temporary home,
closed again before it returns: a first run loads the modules a run loads lazily and fills
the caches the SQL toolkit keeps per process (not those it keeps per engine: each command
opens its own).
"""

from __future__ import annotations

import importlib
import threading

__all__ = ["MODULES", "OPTIONAL_MODULES", "preload"]

#: what commands import, beyond the CLI's own modules and what a run's process imports
#: (:func:`headwater.scheduling.warm.preload`, shared with the daemon's fork server)
MODULES = (
    "headwater.services.activity",
    "headwater.services.assets",
    "headwater.services.backfills",
    "headwater.services.cancel",
    "headwater.services.checks",
    "headwater.services.definitions",
    "headwater.services.launch",
    "headwater.services.location",
    "headwater.services.logs",
    "headwater.services.maintenance",
    "headwater.services.metrics",
    "headwater.services.named_values",
    "headwater.services.partitions",
    "headwater.services.queue",
    "headwater.services.runs",
    "headwater.services.schedules",
    "headwater.services.submit",
    "headwater.execution.supervisor",
    "headwater.execution.executors.in_process",
    "headwater.planning.staleness",
    "headwater.storage.artifacts",
    "headwater.storage.serializers",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "cloudpickle",
)
#: loaded when installed (the ``postgres`` extra)
OPTIONAL_MODULES = ("sqlalchemy.dialects.postgresql.psycopg", "psycopg")


def preload(*, warm_up: bool = True) -> None:
    """Import what a run's process imports, :data:`MODULES`, and those of
    :data:`OPTIONAL_MODULES` that are installed.

    Args:
        warm_up: also run one throw-away run in a temporary home (see the module docstring).

    Raises:
        RuntimeError: something left a thread running (a process that forks must have one).
    """
    from headwater.scheduling.warm import preload as preload_engine

    preload_engine()
    for name in MODULES:
        importlib.import_module(name)
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if warm_up:
        _run_once()
    if threading.active_count() != 1:
        names = ", ".join(thread.name for thread in threading.enumerate() if thread is not threading.main_thread())
        raise RuntimeError(f"preloading left threads running: {names}")


def _run_once() -> None:
    """Run one internal asset, and list the runs, in a temporary home removed again."""
    from headwater.definitions.asset import asset
    from headwater.definitions.loading import collect
    from headwater.execution.run import execute
    from headwater.services.runs import list_runs
    from headwater.storage.instance import Instance

    def warm_up() -> int:
        return 1

    with Instance.ephemeral() as scratch:
        execute(collect([asset(warm_up)]), "*", instance=scratch)
        list_runs(scratch)
