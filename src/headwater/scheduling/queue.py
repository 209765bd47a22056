"""Submitting a run to the queue: a ``QUEUED`` record saying what to run, for a daemon to launch.

What a queued run runs is its *launch* record (JSON, on the run), read by the process that
the coordinator starts for it (:mod:`headwater.scheduling.launch`)::

    {"location": {"file": "/proj/pipeline.py", "module": null, "working_dir": "/proj"},
     "selection": "*", "job": null, "run_config": {...}, "executor": null,
     "executor_config": {}, "max_concurrency": null, "pool_limits": {}, "force": false}

The code location is a reference (a file, a module, or the ``[tool.headwater]`` entry of the
``pyproject.toml`` above ``working_dir``), loaded when the run starts: the code that runs is
the code on disk then, not when the run was submitted. Submitting loads no user code, so it
takes a few milliseconds and is safe from any process (a scheduler, a web request).

Example::

    run_id = submit("pipeline.py", selection="model+", tags={"team": "ml"})
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headwater.errors import CodeLocationError, ConfigError
from headwater.storage.records import Run, RunStatus

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["LAUNCH_VERSION", "submit"]

#: the shape of the launch record this Headwater writes and reads
LAUNCH_VERSION = 1


def submit(
    file: str | os.PathLike[str] | None = None,
    module: str | None = None,
    *,
    working_dir: str | os.PathLike[str] | None = None,
    selection: str | Sequence[str] | None = None,
    job: str | None = None,
    tags: Mapping[str, str] | None = None,
    run_config: Mapping[str, Any] | object = None,
    executor: str | None = None,
    executor_config: Mapping[str, Any] | None = None,
    max_concurrency: int | None = None,
    pool_limits: Mapping[str, int] | None = None,
    force: bool = False,
    run_key: str | None = None,
    priority: int = 0,
    instance: Instance | None = None,
) -> str:
    """Queue a run of a code location; ``headwater daemon`` launches it, with the code as it is then.

    The run is recorded ``QUEUED`` at once and this returns; a daemon's run coordinator
    claims it when the concurrency limits allow and runs it in a fresh process that loads
    the code location from disk (so an edit made after submitting is what runs). With no
    daemon running, the run waits in the queue.

    Args:
        file: the code location's Python file (relative to ``working_dir``).
        module: or its module name, importable from ``working_dir``.
        working_dir: the folder the run starts in (default: the current one); with neither
            ``file`` nor ``module``, the ``[tool.headwater]`` entry of the ``pyproject.toml``
            there or above names the code location.
        selection: what to run (``"*"``, ``"model+"``, ...; a list of keys); all by default.
        job: or the job (or Airflow DAG id) to run, with its tags, executor and config.
        tags: stored on the run; the daemon's per-tag concurrency limits count them.
        run_config: the run config (Dagster's dict form, or a ``RunConfig``), over the job's.
        executor: ``in_process``, ``thread``, ``process`` or ``dask``; the job's or the code
            location's by default.
        executor_config: executor settings (``{"dask_address": ...}``).
        max_concurrency: steps at once on a parallel executor.
        pool_limits: pool name -> steps of that pool at once.
        force: rerun up-to-date steps too.
        run_key: a key no other run may have (a schedule tick's, a backfill partition's):
            submitting it twice queues one run.
        priority: higher runs are launched first.
        instance: the stores to queue in; those of ``HEADWATER_HOME`` (or the project) when None.

    Returns:
        The new run's id, as ``headwater runs show`` takes it.

    Raises:
        RunKeyTaken: ``run_key`` is already used by another run; nothing was queued.
        CodeLocationError: ``file`` does not exist, or both ``file`` and ``module`` are given.
        ConfigError: ``selection`` and ``job`` are both given, or a value is not JSON-able.
        StoreReadOnly: the run store cannot be written here.
    """
    folder = Path(working_dir if working_dir is not None else os.getcwd()).expanduser().resolve()
    if file is not None and module is not None:
        raise CodeLocationError("give a file or a module to submit, not both")
    if file is not None:
        path = (folder / Path(file).expanduser()).resolve()
        if not path.is_file():
            raise CodeLocationError(f"code location file not found: {file}")
        file = str(path)
    if selection is not None and job is not None:
        raise ConfigError("give a selection or a job to submit, not both")
    selection_value: str | list[str] = (
        "*" if selection is None else selection if isinstance(selection, str) else [str(s) for s in selection]
    )
    launch: dict[str, Any] = {
        "version": LAUNCH_VERSION,
        "location": {"file": file, "module": module, "working_dir": str(folder)},
        "selection": None if job is not None else selection_value,
        "job": job,
        "run_config": _json_able(_config_dict(run_config), "run_config"),
        "executor": executor,
        "executor_config": _json_able(dict(executor_config or {}), "executor_config"),
        "max_concurrency": max_concurrency,
        "pool_limits": dict(pool_limits or {}),
        "force": force,
    }
    shown = f"job {job}" if job is not None else (
        selection_value if isinstance(selection_value, str) else ",".join(selection_value)
    )
    run = Run(
        run_id=uuid.uuid4().hex,
        status=RunStatus.QUEUED,
        selection=shown,
        job_name=job,
        created_at=time.time(),
        tags={str(k): str(v) for k, v in (tags or {}).items()},
        launch=launch,
        priority=priority,
        run_key=run_key,
    )
    if instance is not None:
        instance.store.enqueue_run(run)
        return run.run_id
    from headwater.storage.instance import Instance

    with Instance.get() as opened:
        opened.store.enqueue_run(run)
    return run.run_id


def _config_dict(run_config: object) -> dict[str, Any] | None:
    from headwater.planning.run_config import run_config_dict

    return None if run_config is None else run_config_dict(run_config)


def _json_able(value: Any, what: str) -> Any:
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what} of a submitted run must be JSON-able: {exc}") from None
    return value
