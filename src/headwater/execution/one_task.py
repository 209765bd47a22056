"""Running one task of a DAG on its own: ``headwater tasks test DAG_ID TASK_ID`` (Airflow's command).

The task runs in a run of its own (recorded like every run, so ``runs show`` has its
output), whether or not it is up to date. What it pulls from its upstream tasks comes from
the latest successful run of each of them (see :mod:`headwater.execution.xcoms`); a direct
upstream task that has never succeeded is an error before anything runs, naming it::

    result = test_task(location, "iris_classic", "evaluate", instance=instance)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from headwater.definitions.graph import close_matches
from headwater.definitions.loading import CodeLocation
from headwater.definitions.selection import AssetSelection, resolve_selection
from headwater.errors import DefinitionError, PlanError
from headwater.execution.observer import RunObserver
from headwater.execution.run import RunResult, execute

if TYPE_CHECKING:
    from headwater.definitions.node import Node
    from headwater.storage.instance import Instance

__all__ = ["test_task"]


def test_task(
    location: CodeLocation,
    dag_id: str,
    task_id: str,
    *,
    instance: Instance,
    logical_date: datetime | None = None,
    executor: str | None = None,
    observer: RunObserver | None = None,
    executor_config: Mapping[str, Any] | None = None,
) -> RunResult:
    """Run task ``task_id`` of DAG ``dag_id`` once, reading its upstream XComs from the store.

    Args:
        location: the code location holding the DAG.
        dag_id: the DAG's id.
        task_id: the task's id within the DAG.
        instance: the stores to read upstream values from and record the run in.
        logical_date: the run's logical date (``ds``, ``logical_date``); now when None.
        executor: as for :func:`~headwater.execution.run.execute`; the DAG's by default.
        observer: told of progress and output.
        executor_config: executor-specific settings (``dask_address=...``).

    Returns:
        The run's result.

    Raises:
        DefinitionError: no such DAG, or no such task in it (with the closest names).
        PlanError: an upstream task of it has never run successfully.
    """
    job = location.job(dag_id)
    if job.tags.get("dag_id") != dag_id:
        raise DefinitionError(f"{dag_id!r} is a job, not a DAG: run it with `headwater job run {dag_id}`")
    selection = job.selection if isinstance(job.selection, str | AssetSelection) else list(job.selection)
    tasks = {
        str(location.graph.nodes[key].options.metadata.get("task_id")): location.graph.nodes[key]
        for key in resolve_selection(location.graph, selection)
    }
    node = tasks.get(task_id)
    if node is None:
        raise DefinitionError(f"DAG {dag_id!r} has no task {task_id!r}.{close_matches(task_id, tasks)}")
    _check_upstream_ran(instance, location, dag_id, node)
    tags = {**dict(job.tags)}
    if logical_date is not None:
        tags["logical_date"] = logical_date.isoformat()
    return execute(
        location,
        [node.key],
        instance=instance,
        job_name=dag_id,
        executor=executor or job.executor or location.executor,
        observer=observer,
        tags=tags,
        force=True,
        executor_config=executor_config,
    )


def _check_upstream_ran(instance: Instance, location: CodeLocation, dag_id: str, node: Node) -> None:
    """Every direct upstream of ``node`` has a successful materialization, or a PlanError names it."""
    latest = instance.store.latest_materializations(node.upstream)
    missing = [key for key in node.upstream if key not in latest]
    if not missing:
        return
    names = [_task_id(location, key) for key in missing]
    which = ", ".join(repr(name) for name in names)
    task_id = node.options.metadata.get("task_id", node.key)
    raise PlanError(
        f"task {task_id!r} of DAG {dag_id!r} reads from its upstream task{'s' if len(names) > 1 else ''} {which}, "
        f"which never ran successfully: run `headwater dags test {dag_id}` "
        f"(or `headwater tasks test {dag_id} {names[0]}`) first"
    )


def _task_id(location: CodeLocation, key: str) -> str:
    node = location.graph.nodes.get(key)
    return str(node.options.metadata.get("task_id", key)) if node is not None else key
