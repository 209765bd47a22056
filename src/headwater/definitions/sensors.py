"""``@schedule``, ``@sensor`` and ``@asset_sensor`` (Dagster's), with ``RunRequest`` and ``SkipReason``.

A decorated schedule or sensor is a definition, as in Dagster: it is collected from a code
location, listed (``headwater schedules list``, ``headwater sensors list``), and callable
with a context to test it::

    @sensor(job=etl_job, minimum_interval_seconds=60)
    def new_files(context: SensorEvaluationContext):
        files = sorted(os.listdir("inbox"))
        fresh = [f for f in files if f > (context.cursor or "")]
        if not fresh:
            return SkipReason("no new files")
        context.update_cursor(fresh[-1])
        return [RunRequest(run_key=f) for f in fresh]

    result = new_files(build_sensor_context(cursor="a.csv"))   # what the function returned

Firing them on time is the scheduler's job (a later piece of work); what a tick amounts to
(the run requests, the skip reason, the new cursor) is worked out by
:mod:`headwater.execution.ticks`, which the scheduler and tests share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from headwater.definitions.partitions import PARTITION_TAG
from headwater.definitions.asset import key_of
from headwater.definitions.jobs import AssetJob, DefaultScheduleStatus, ScheduleDefinition, job_for_target
from headwater.definitions.node import AssetKey
from headwater.definitions.unsupported import refuse_unsupported
from headwater.errors import DefinitionError

__all__ = [
    "AssetEvent",
    "DefaultSensorStatus",
    "RunRequest",
    "ScheduleEvaluationContext",
    "SensorDefinition",
    "SensorEvaluationContext",
    "SkipReason",
    "asset_sensor",
    "build_schedule_context",
    "build_sensor_context",
    "schedule",
    "sensor",
]


class DefaultSensorStatus(StrEnum):
    """Whether a sensor runs before anyone turns it on or off (Dagster's enum)."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True, init=False)
class RunRequest:
    """A run a schedule or sensor asks for (Dagster's ``RunRequest``).

    Args:
        run_key: makes the request idempotent: one run per key, ever.
        run_config: the run's config (a ``RunConfig`` or Dagster's dict form).
        tags: tags of the run.
        job_name: the job to run; the schedule's or sensor's own job by default.
        asset_selection: assets (or keys) to run instead of the job's selection.
        partition_key: the partition the run computes (kept as its ``dagster/partition`` tag).
    """

    run_key: str | None
    run_config: Any
    tags: Mapping[str, str]
    job_name: str | None
    asset_selection: tuple[str, ...] | None
    partition_key: str | None

    def __init__(
        self,
        run_key: str | None = None,
        run_config: Any = None,
        tags: Mapping[str, str] | None = None,
        job_name: str | None = None,
        asset_selection: Iterable[object] | None = None,
        partition_key: str | None = None,
    ) -> None:
        if partition_key is not None and (not isinstance(partition_key, str) or not partition_key):
            raise TypeError(f"RunRequest: partition_key is a non-empty string, not {partition_key!r}")
        run_tags = {str(k): str(v) for k, v in (tags or {}).items()}
        if partition_key is not None:
            run_tags[PARTITION_TAG] = partition_key
        object.__setattr__(self, "run_key", run_key)
        object.__setattr__(self, "run_config", run_config)
        object.__setattr__(self, "partition_key", partition_key)
        object.__setattr__(self, "tags", MappingProxyType(run_tags))
        object.__setattr__(self, "job_name", job_name)
        object.__setattr__(
            self, "asset_selection", None if asset_selection is None else tuple(key_of(a) for a in asset_selection)
        )


@dataclass(frozen=True, slots=True)
class SkipReason:
    """Why a tick asks for no run (Dagster's ``SkipReason``)."""

    skip_message: str | None = None


@dataclass(slots=True)
class ScheduleEvaluationContext:
    """What a schedule's function sees: the time the tick is for."""

    scheduled_execution_time: datetime


def build_schedule_context(scheduled_execution_time: datetime | None = None) -> ScheduleEvaluationContext:
    """A context to call a ``@schedule`` function with in a test (now, by default)."""
    return ScheduleEvaluationContext(scheduled_execution_time or datetime.now(UTC))


@dataclass(slots=True)
class SensorEvaluationContext:
    """What a sensor's function sees: its cursor (text it keeps between ticks), and the time."""

    cursor: str | None = None
    last_tick_completion_time: float | None = None

    def update_cursor(self, cursor: str | None) -> None:
        """Keep ``cursor`` for the next tick."""
        if cursor is not None and not isinstance(cursor, str):
            raise TypeError(f"a sensor cursor is a string, not {type(cursor).__name__}")
        self.cursor = cursor


def build_sensor_context(cursor: str | None = None, last_tick_completion_time: float | None = None) -> SensorEvaluationContext:
    """A context to call a ``@sensor`` function with in a test."""
    return SensorEvaluationContext(cursor=cursor, last_tick_completion_time=last_tick_completion_time)


@dataclass(frozen=True, slots=True)
class AssetEvent:
    """A materialization an ``@asset_sensor`` is told of (the part of Dagster's ``EventLogEntry`` it reads).

    ``asset_event.dagster_event.asset_key`` works as in Dagster.
    """

    asset_key: AssetKey
    run_id: str
    timestamp: float
    data_version: str
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dagster_event(self) -> AssetEvent:
        return self


def _job_name_of(job: object | None, job_name: str | None, where: str) -> str | None:
    if job is not None and job_name is not None:
        raise DefinitionError(f"{where}: give job or job_name, not both")
    if job is None:
        return job_name
    name = getattr(job, "name", None)
    if not isinstance(name, str):
        raise TypeError(f"{where}: job= takes a job (define_asset_job), not {job!r}")
    return name


@dataclass(frozen=True, slots=True, eq=False)
class SensorDefinition:
    """A sensor: a function that, on each tick, may ask for runs (Dagster's ``SensorDefinition``).

    Attributes:
        name: unique among sensors.
        evaluation_fn: called with a ``SensorEvaluationContext`` (and, for an asset sensor,
            the ``AssetEvent``); returns ``RunRequest``s, a ``SkipReason`` or nothing.
        job_name: the job its run requests run, when they name none.
        job: that job, when given as an object (collected with the sensor).
        jobs: the jobs its run requests choose from by ``job_name`` (``@sensor(jobs=[...])``).
        minimum_interval_seconds: at least this long between ticks.
        asset_key: for an ``@asset_sensor``, the asset whose materializations it watches.
    """

    name: str
    evaluation_fn: Callable[..., Any]
    job_name: str | None = None
    job: AssetJob | None = None
    minimum_interval_seconds: int = 30
    description: str | None = None
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    asset_key: str | None = None
    jobs: tuple[AssetJob, ...] = ()

    @property
    def kind(self) -> str:
        return "asset sensor" if self.asset_key is not None else "sensor"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the sensor's function directly, as a test does (Dagster's behaviour)."""
        return self.evaluation_fn(*args, **kwargs)


def sensor(
    job: object | None = None,
    *,
    name: str | None = None,
    job_name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    asset_selection: object | None = None,
    jobs: Iterable[object] | None = None,
    required_resource_keys: object | None = None,
    target: object | None = None,
) -> Callable[[Callable[..., Any]], SensorDefinition]:
    """Declare a sensor: its function takes a ``SensorEvaluationContext`` and returns (or
    yields) ``RunRequest``s, or a ``SkipReason``.

    Args:
        job: the job its run requests run (or give ``job_name``).
        name: the sensor's name; the function's by default.
        minimum_interval_seconds: at least this long between ticks (30 by default).
        description: shown by ``headwater sensors list``; the docstring by default.
        default_status: ``DefaultSensorStatus.RUNNING`` to run without being turned on.
        tags, metadata: kept with the sensor.
        asset_selection: instead of a job, the assets its run requests materialize (keys,
            assets or an ``AssetSelection``), as in Dagster: the sensor gets a job of its own,
            ``__anonymous_asset_job_<sensor name>``, selecting them.
        target: instead of ``job``: a job, or assets as for ``asset_selection``.
        jobs: several jobs; each run request names its own with ``RunRequest(job_name=...)``
            (one job is as ``job=``).

    ``required_resource_keys`` is refused with a ``NotSupportedError``.
    """
    refuse_unsupported("@sensor", required_resource_keys=required_resource_keys)
    given = [what for what, value in (("job", job), ("job_name", job_name), ("asset_selection", asset_selection),
                                      ("target", target), ("jobs", jobs)) if value is not None]
    if len(given) > 1:
        raise DefinitionError(f"@sensor: give one of job, job_name, asset_selection or target, not {' and '.join(given)}")

    several = tuple(jobs or ())
    if any(not isinstance(each, AssetJob) for each in several):
        raise DefinitionError(f"@sensor: jobs= takes jobs (define_asset_job), not {list(several)!r}")

    def register(fn: Callable[..., Any]) -> SensorDefinition:
        chosen = target if target is not None else asset_selection
        own_job = job if chosen is None else job_for_target(chosen, name or fn.__name__, "@sensor")
        if len(several) == 1:
            own_job = several[0]
        definition = _sensor_definition(fn, name, own_job, job_name, minimum_interval_seconds, description,
                                        default_status, tags, metadata)
        if len(several) > 1:
            object.__setattr__(definition, "jobs", several)
        return definition

    return register


def asset_sensor(
    asset_key: str | AssetKey | list[str],
    *,
    job: object | None = None,
    name: str | None = None,
    job_name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    required_resource_keys: object | None = None,
) -> Callable[[Callable[..., Any]], SensorDefinition]:
    """Declare a sensor that fires on each new materialization of ``asset_key``.

    Its function takes ``(context, asset_event)`` and returns ``RunRequest``s or a
    ``SkipReason``; the cursor (the last materialization seen) is kept for it.

    ``required_resource_keys`` is refused with a ``NotSupportedError``.
    """
    refuse_unsupported("@asset_sensor", required_resource_keys=required_resource_keys)
    key = key_of(AssetKey(asset_key) if isinstance(asset_key, list) else asset_key)

    def register(fn: Callable[..., Any]) -> SensorDefinition:
        definition = _sensor_definition(fn, name, job, job_name, minimum_interval_seconds, description,
                                        default_status, tags, metadata)
        object.__setattr__(definition, "asset_key", key)
        return definition

    return register


def _sensor_definition(
    fn: Callable[..., Any], name: str | None, job: object | None, job_name: str | None, interval: int | None,
    description: str | None, default_status: DefaultSensorStatus, tags: Mapping[str, str] | None,
    metadata: Mapping[str, Any] | None,
) -> SensorDefinition:
    sensor_name = name or fn.__name__
    if interval is not None and (isinstance(interval, bool) or not isinstance(interval, int) or interval < 1):
        raise DefinitionError(f"sensor {sensor_name!r}: minimum_interval_seconds must be a whole number >= 1")
    return SensorDefinition(
        name=sensor_name,
        evaluation_fn=fn,
        job_name=_job_name_of(job, job_name, f"sensor {sensor_name!r}"),
        job=job if isinstance(job, AssetJob) else None,
        minimum_interval_seconds=interval or 30,
        description=description or (fn.__doc__ or "").strip() or None,
        default_status=DefaultSensorStatus(default_status),
        tags=MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()}),
        metadata=MappingProxyType(dict(metadata or {})),
    )


def schedule(
    cron_schedule: str,
    *,
    job: object | None = None,
    job_name: str | None = None,
    name: str | None = None,
    execution_timezone: str | None = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    required_resource_keys: object | None = None,
    environment_vars: Mapping[str, str] | None = None,
    should_execute: object | None = None,
    target: object | None = None,
) -> Callable[[Callable[..., Any]], ScheduleDefinition]:
    """Declare a schedule whose function decides each tick's runs (Dagster's ``@schedule``).

    The function takes a ``ScheduleEvaluationContext`` and returns a ``RunRequest`` (or
    several), a ``SkipReason``, or a run config dict for one run of the job.

    ``should_execute`` (a function of the context) skips the ticks where it returns False;
    ``target`` is a job or assets to run instead of ``job`` (see ``ScheduleDefinition``).

    Returns:
        A ``ScheduleDefinition`` (callable with a context, as a test does).
    """
    refuse_unsupported("@schedule", required_resource_keys=required_resource_keys, environment_vars=environment_vars)

    def register(fn: Callable[..., Any]) -> ScheduleDefinition:
        return ScheduleDefinition(
            name=name or fn.__name__, cron_schedule=cron_schedule, job=job, job_name=job_name,
            execution_timezone=execution_timezone, default_status=default_status,
            description=description or (fn.__doc__ or "").strip() or None, tags=tags, metadata=metadata,
            execution_fn=fn, should_execute=should_execute, target=target,
        )

    return register
