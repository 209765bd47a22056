"""Turning schedules on and off, pausing DAGs, and what a schedule or DAG shows over time.

A DAG is paused when its schedule is stopped (Airflow's ``dags pause`` is Dagster's
``schedules stop``); the state is stored, so the scheduler and every listing see it::

    set_schedule_status(instance, location, "iris_daily", running=True)
    set_dag_paused(instance, location, "iris_classic", paused=False)
    upcoming_ticks(location, "iris_daily", count=5)
    dag_grid(instance, location, "iris_classic", limit=25)    # runs x tasks
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from headwater.errors import DefinitionError
from headwater.storage.records import Run, StepStatus

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["DagGrid", "DagGridRow", "dag_grid", "set_dag_paused", "set_schedule_status", "upcoming_ticks"]

RUNNING = "RUNNING"
STOPPED = "STOPPED"


class UnknownScheduleError(DefinitionError):
    """No schedule or DAG of the code location has that name."""


def _schedule_name(location: CodeLocation, name: str) -> str:
    if name not in location.schedules:
        from headwater.definitions.graph import close_matches

        raise UnknownScheduleError(f"no schedule {name!r} in {location.name}{close_matches(name, list(location.schedules))}")
    return name


def set_schedule_status(instance: Instance, location: CodeLocation, name: str, *, running: bool) -> str:
    """Start (``running=True``) or stop schedule ``name``; its new status.

    Raises:
        UnknownScheduleError: ``location`` has no such schedule.
        StoreReadOnly: the store cannot be written here.
    """
    status = RUNNING if running else STOPPED
    instance.store.set_schedule_state(_schedule_name(location, name), status)
    return status


def _dag_schedule(location: CodeLocation, dag_id: str) -> str:
    from headwater.definitions.graph import close_matches

    if dag_id not in location.dags:
        raise UnknownScheduleError(f"no DAG {dag_id!r} in {location.name}{close_matches(dag_id, list(location.dags))}")
    for schedule in location.schedules.values():
        if schedule.job_name == dag_id:
            return schedule.name
    raise UnknownScheduleError(f"DAG {dag_id!r} has no schedule (schedule=None): there is nothing to pause")


def set_dag_paused(instance: Instance, location: CodeLocation, dag_id: str, *, paused: bool) -> bool:
    """Pause or unpause DAG ``dag_id`` (stop or start its schedule); whether it is now paused.

    Raises:
        UnknownScheduleError: no such DAG, or it has no schedule.
    """
    instance.store.set_schedule_state(_dag_schedule(location, dag_id), STOPPED if paused else RUNNING)
    return paused


def upcoming_ticks(location: CodeLocation, name: str, *, count: int = 5) -> list[datetime]:
    """The next ``count`` fire times of schedule ``name``, in its time zone.

    Raises:
        UnknownScheduleError: ``location`` has no such schedule.
    """
    schedule = location.schedules[_schedule_name(location, name)]
    ticks: list[datetime] = []
    after: datetime | None = None
    for _ in range(count):
        after = schedule.next_tick(after)
        if after is None:  # a @once schedule has one tick
            break
        ticks.append(after)
    return ticks


@dataclass(frozen=True, slots=True)
class DagGridRow:
    """One run of a DAG and the state of each of its tasks (task id -> state; absent: not in the run)."""

    run: Run
    states: dict[str, StepStatus]


@dataclass(frozen=True, slots=True)
class DagGrid:
    """Airflow's grid: the latest runs of a DAG (newest first) by its tasks."""

    dag_id: str
    task_ids: tuple[str, ...]
    rows: tuple[DagGridRow, ...]


def dag_grid(instance: Instance, location: CodeLocation, dag_id: str, *, limit: int = 25) -> DagGrid:
    """The latest ``limit`` runs of DAG ``dag_id`` with each task's state.

    Raises:
        UnknownScheduleError: ``location`` has no such DAG.
    """
    from headwater.definitions.graph import close_matches
    from headwater.services.runs import RunQuery, list_runs

    dag = location.dags.get(dag_id)
    if dag is None:
        raise UnknownScheduleError(f"no DAG {dag_id!r} in {location.name}{close_matches(dag_id, list(location.dags))}")
    prefix = f"{dag_id}."
    page = list_runs(instance, RunQuery(dag_id=dag_id), limit=limit)
    rows = []
    for run in page.runs:
        steps = instance.store.get_steps(run.run_id)
        rows.append(DagGridRow(run, {s.step_key.removeprefix(prefix): s.status for s in steps}))
    return DagGrid(dag_id, tuple(key.removeprefix(prefix) for key in dag.task_keys), tuple(rows))
