"""What a code location defines, as listings show it: jobs, DAGs, schedules (with their
stored on/off state and ticks) and sensors.

Each answer is a frozen dataclass built from the loaded definitions; nothing is inferred
from run tags. A schedule's status is the one last set (by the UI or the scheduler), else
its definition's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from headwater.storage.records import ScheduleTick

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = [
    "DagInfo",
    "JobInfo",
    "ScheduleInfo",
    "SensorInfo",
    "list_dags",
    "list_jobs",
    "list_schedules",
    "list_sensors",
    "schedule_ticks",
]


@dataclass(frozen=True, slots=True)
class JobInfo:
    """One job: a named selection, with what runs it.

    Attributes:
        name: the job's name.
        selection: its selection as text (``*``, ``group:ml``, ``a, b``).
        executor: where its steps run (``in_process`` unless it says).
        schedules: the names of the schedules that run it.
        description: its description ("" when none).
        tags: the tags its runs carry.
        dag_id: the DAG it is, for the job of an Airflow-dialect DAG.
    """

    name: str
    selection: str
    executor: str
    schedules: tuple[str, ...]
    description: str
    tags: dict[str, str]
    dag_id: str | None = None


def list_jobs(location: CodeLocation) -> list[JobInfo]:
    """The jobs of ``location``, by name."""
    from headwater.definitions.selection import selection_text

    by_job: dict[str, list[str]] = {}
    for schedule in location.schedules.values():
        by_job.setdefault(schedule.job_name, []).append(schedule.name)
    return [
        JobInfo(
            name,
            selection_text(job.selection),
            job.executor or "in_process",
            tuple(sorted(by_job.get(name, []))),
            job.description or "",
            dict(job.tags),
            name if name in location.dags else None,
        )
        for name, job in sorted(location.jobs.items())
    ]


@dataclass(frozen=True, slots=True)
class DagInfo:
    """One Airflow-dialect DAG.

    Attributes:
        dag_id: its id (also its job's name).
        task_ids: its task ids in dependency order.
        task_keys: the same tasks' node keys (``<dag_id>.<task_id>``).
        schedule: its schedule as written; None when only triggered.
        schedule_name: the name of its schedule, when it has one.
        tags: its tags.
        description: its description ("" when none).
        fileloc: the file that defined it.
    """

    dag_id: str
    task_ids: tuple[str, ...]
    task_keys: tuple[str, ...]
    schedule: str | None
    schedule_name: str | None
    tags: tuple[str, ...]
    description: str
    fileloc: str


def list_dags(location: CodeLocation) -> list[DagInfo]:
    """The DAGs ``location`` defines, by dag_id."""
    by_job = {schedule.job_name: schedule.name for schedule in location.schedules.values()}
    return [
        DagInfo(
            dag.dag_id,
            tuple(key.removeprefix(f"{dag.dag_id}.") for key in dag.task_keys),
            dag.task_keys,
            dag.schedule,
            by_job.get(dag.dag_id),
            dag.tags,
            dag.description or "",
            dag.fileloc,
        )
        for dag in location.dags.values()
    ]


@dataclass(frozen=True, slots=True)
class ScheduleInfo:
    """One schedule, with its stored state.

    Attributes:
        name: its name.
        job_name: the job it runs.
        cron_schedule: its cron string.
        execution_timezone: the time zone its cron is read in.
        status: ``RUNNING`` or ``STOPPED``: as last set, else its default.
        default_status: its definition's status.
        next_tick: when it fires next, in its time zone (None: never again, a ``@once`` that fired).
        description: its description ("" when none).
        last_tick: the newest tick the daemon recorded, if any.
    """

    name: str
    job_name: str
    cron_schedule: str
    execution_timezone: str
    status: str
    default_status: str
    next_tick: datetime | None
    description: str
    last_tick: ScheduleTick | None = None


def list_schedules(instance: Instance, location: CodeLocation) -> list[ScheduleInfo]:
    """The schedules of ``location``, by name, with their stored status and last tick."""
    store = instance.store
    states = store.get_schedule_states()
    infos = []
    for name, schedule in sorted(location.schedules.items()):
        ticks = store.get_ticks(name, limit=1)
        default = str(schedule.default_status)
        infos.append(
            ScheduleInfo(
                name,
                schedule.job_name,
                schedule.cron_schedule,
                schedule.execution_timezone,
                states.get(name, default),
                default,
                schedule.next_tick(),
                schedule.description or "",
                ticks[0] if ticks else None,
            )
        )
    return infos


def schedule_ticks(instance: Instance, schedule_name: str | None = None, *, limit: int = 50) -> list[ScheduleTick]:
    """The ticks recorded for one schedule (or all), newest first."""
    return instance.store.get_ticks(schedule_name, limit=limit)


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """One sensor.

    Attributes:
        name: its name.
        kind: ``sensor`` or ``asset_sensor``.
        job_name: the job it runs, if any.
        asset_key: the asset it watches, for an asset sensor.
        minimum_interval_seconds: how often it is evaluated at most.
        default_status: ``RUNNING`` or ``STOPPED``.
        description: its description's first line ("" when none).
    """

    name: str
    kind: str
    job_name: str | None
    asset_key: str | None
    minimum_interval_seconds: int
    default_status: str
    description: str


def list_sensors(location: CodeLocation) -> list[SensorInfo]:
    """The sensors of ``location``, by name."""
    return [
        SensorInfo(
            name,
            sensor.kind,
            sensor.job_name,
            sensor.asset_key,
            sensor.minimum_interval_seconds,
            str(sensor.default_status),
            (sensor.description or "").splitlines()[0] if sensor.description else "",
        )
        for name, sensor in sorted(location.sensors.items())
    ]
