"""Jobs, schedules and ``Definitions``: named selections, when to run them, and the bundle.

These mirror Dagster's public API so its users' files run after changing their imports::

    iris_job = define_asset_job("iris_ml_pipeline", selection="*")
    daily = ScheduleDefinition(job=iris_job, cron_schedule="@daily", execution_timezone="UTC")
    defs = Definitions(assets=[raw, model], jobs=[iris_job], schedules=[daily])

A schedule is validated when it is defined (cron string, time zone); firing it is the
scheduler's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from headwater.definitions.cron import fire_times, normalize_cron, timezone
from headwater.definitions.names import check_name
from headwater.definitions.partitions import PartitionsDefinition, check_partitions_def
from headwater.definitions.selection import AssetSelection
from headwater.definitions.unsupported import refuse_unsupported
from headwater.errors import DefinitionError

__all__ = [
    "AssetJob",
    "DefaultScheduleStatus",
    "Definitions",
    "ScheduleDefinition",
    "define_asset_job",
]

#: the executors a job or run may name
EXECUTORS = ("in_process", "thread", "process", "dask")


class DefaultScheduleStatus(StrEnum):
    """Whether a schedule fires before anyone turns it on or off (Dagster's enum)."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


@dataclass(frozen=True, slots=True)
class AssetJob:
    """A named selection of assets (or the tasks of a DAG) to run together.

    ``selection`` is a selection string (``"*"``, ``"group:ml"``, ``"+model"``) or a
    sequence of assets and keys.
    """

    name: str
    selection: str | tuple[object, ...] | AssetSelection = "*"
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    executor: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: the run config of each run of the job (a ``RunConfig`` or Dagster's dict form)
    config: Any = None
    #: the partitions each run of the job computes one of (its partitioned assets' own when None)
    partitions_def: PartitionsDefinition | None = None


def _check_executor(executor: str | None, where: str) -> str | None:
    if executor is not None and executor not in EXECUTORS:
        from headwater.errors import DefinitionError

        raise DefinitionError(f"{where}: unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    return executor


def define_asset_job(
    name: str,
    selection: str | Sequence[object] | AssetSelection | None = None,
    config: Any = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    run_tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    partitions_def: object | None = None,
    executor_def: object | None = None,
    hooks: object | None = None,
    op_retry_policy: object | None = None,
    *,
    executor: str | None = None,
) -> AssetJob:
    """Define a job that materializes a selection of assets.

    Args:
        name: the job's name, as ``headwater job run NAME`` takes it.
        selection: a selection string, a list of assets and keys, or an ``AssetSelection``;
            every asset when None.
        config: the run config of each run of the job: a ``RunConfig`` or Dagster's dict form
            (``headwater job run --config FILE`` puts the file's entries over it).
        description: shown by ``headwater jobs list``.
        tags: attached to each run of the job (unless ``run_tags`` is given).
        run_tags: attached to each run of the job instead of ``tags``.
        metadata: shown beside the job.
        executor: the job's default executor (``in_process``, ``thread``, ``process``, ``dask``).
        partitions_def: the partitions of the job; by default those of its partitioned
            assets (which must all share one definition).

    Dagster's ``executor_def``, ``hooks`` and ``op_retry_policy`` are refused with a
    ``NotSupportedError``.

    Returns:
        The job, to pass to ``Definitions(jobs=...)`` or ``ScheduleDefinition(job=...)``.
    """
    refuse_unsupported(
        "define_asset_job", executor_def=executor_def, hooks=hooks, op_retry_policy=op_retry_policy,
    )
    partitions = check_partitions_def(partitions_def, f"define_asset_job({name!r})")
    check_name(name, "job name")
    chosen: str | tuple[object, ...] | AssetSelection
    if selection is None:
        chosen = "*"
    elif isinstance(selection, str | AssetSelection):
        chosen = selection
    else:
        chosen = tuple(selection)
    return AssetJob(
        name=name,
        selection=chosen,
        description=description,
        tags=MappingProxyType({str(k): str(v) for k, v in ((tags if run_tags is None else run_tags) or {}).items()}),
        executor=_check_executor(executor, f"job {name!r}"),
        metadata=MappingProxyType(dict(metadata or {})),
        config=config,
        partitions_def=partitions,
    )


def job_for_target(target: object, owner: str | None, where: str) -> AssetJob:
    """The job a schedule's or sensor's ``target=`` (or ``asset_selection=``) runs, as Dagster reads it.

    A job is itself; anything naming assets (an ``AssetSelection``, an asset, a key, a
    selection string, or a list of them) becomes a job of the owner's own,
    ``__anonymous_asset_job_<owner>``, selecting them.

    Raises:
        DefinitionError: the owner has no name to give its job.
    """
    if isinstance(target, AssetJob):
        return target
    if owner is None:
        raise DefinitionError(f"{where}: a target of assets needs name= (its job is named after it)")
    selection = target if isinstance(target, str | AssetSelection | list | tuple) else [target]
    return define_asset_job(f"__anonymous_asset_job_{owner}", selection=selection)


@dataclass(frozen=True, slots=True, init=False)
class ScheduleDefinition:
    """Run a job on a cron schedule (Dagster's ``ScheduleDefinition``).

    Args:
        name: defaults to ``<job name>_schedule``.
        cron_schedule: a five-field cron string or a preset (``@daily``, ``@hourly``, ...).
        job: the job to run; or give ``job_name``.
        job_name: the name of a job defined in the same code location.
        execution_timezone: an IANA time zone the cron string is read in; UTC by default.
        default_status: ``DefaultScheduleStatus.RUNNING`` to fire without being turned on.
        description: shown by ``headwater schedules list``.
        tags: attached to each run the schedule starts.
        metadata: shown beside the schedule.
        owners: shown beside the schedule.

        run_config: the config of each run it starts (a ``RunConfig`` or Dagster's dict form).
        run_config_fn: instead of ``run_config``, a function of the tick's
            ``ScheduleEvaluationContext`` giving the run's config.
        tags_fn: instead of ``tags``, a function of the context giving the run's tags.
        should_execute: a function of the context; a tick where it returns False starts no
            run (it is skipped).
        execution_fn: decides each tick's runs (what ``@schedule`` sets): it returns
            ``RunRequest``s, a ``SkipReason`` or a run config dict; it excludes ``run_config``,
            ``run_config_fn`` and ``tags_fn``.
        target: instead of ``job``/``job_name``: a job, or assets to run (an ``AssetSelection``,
            assets, keys), which get a job of their own (see :func:`job_for_target`).

    Dagster's ``environment_vars`` and ``required_resource_keys`` are refused with a
    ``NotSupportedError``.

    Raises:
        InvalidCronError: the cron string or the time zone is not valid.
        NotSupportedError: an argument Headwater does not implement was given.
    """

    name: str
    cron_schedule: str
    job_name: str
    execution_timezone: str
    default_status: DefaultScheduleStatus
    description: str | None
    tags: Mapping[str, str]
    job: AssetJob | None
    metadata: Mapping[str, Any]
    owners: tuple[str, ...]
    run_config: Any
    execution_fn: Any
    run_config_fn: Any
    tags_fn: Any
    should_execute: Any

    def __init__(
        self,
        name: str | None = None,
        *,
        cron_schedule: str,
        job_name: str | None = None,
        run_config: Any = None,
        run_config_fn: Any = None,
        tags: Mapping[str, str] | None = None,
        tags_fn: Any = None,
        metadata: Mapping[str, Any] | None = None,
        should_execute: Any = None,
        environment_vars: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        execution_fn: Any = None,
        description: str | None = None,
        job: AssetJob | Any | None = None,
        default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
        required_resource_keys: Any = None,
        target: Any = None,
        owners: Sequence[str] | None = None,
    ) -> None:
        refuse_unsupported(
            "ScheduleDefinition", environment_vars=environment_vars, required_resource_keys=required_resource_keys,
        )
        if target is not None:
            if job is not None or job_name is not None:
                raise DefinitionError("ScheduleDefinition: give target or job (job_name), not both")
            job = job_for_target(target, name, "ScheduleDefinition")
        if execution_fn is not None and run_config is not None:
            raise DefinitionError("ScheduleDefinition: give execution_fn or run_config, not both")
        _refuse_both("run_config", run_config, "run_config_fn", run_config_fn)
        _refuse_both("tags", tags, "tags_fn", tags_fn)
        if execution_fn is not None and (run_config_fn or tags_fn):
            raise DefinitionError("ScheduleDefinition: give execution_fn, or run_config_fn/tags_fn, not both")
        for what, fn in (("run_config_fn", run_config_fn), ("tags_fn", tags_fn), ("should_execute", should_execute)):
            if fn is not None and not callable(fn):
                raise DefinitionError(f"ScheduleDefinition: {what} must be a function of the tick's context, not {fn!r}")
        if job is None and job_name is None:
            raise TypeError("ScheduleDefinition needs job= or job_name=")
        resolved_job_name = job_name if job_name is not None else getattr(job, "name", None)
        if not isinstance(resolved_job_name, str):
            raise TypeError(f"ScheduleDefinition(job=...) takes a job, not {job!r}")
        schedule_name = check_name(name, "schedule name") if name is not None else f"{resolved_job_name}_schedule"
        where = f"schedule {schedule_name!r}"
        cron = normalize_cron(cron_schedule, where=where)
        tz_name = execution_timezone or "UTC"
        timezone(tz_name, where=where)
        set_field = object.__setattr__
        set_field(self, "name", schedule_name)
        set_field(self, "cron_schedule", cron)
        set_field(self, "job_name", resolved_job_name)
        set_field(self, "execution_timezone", tz_name)
        set_field(self, "default_status", DefaultScheduleStatus(default_status))
        set_field(self, "description", description)
        set_field(self, "tags", MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()}))
        set_field(self, "job", job if isinstance(job, AssetJob) else None)
        set_field(self, "metadata", MappingProxyType(dict(metadata or {})))
        set_field(self, "owners", tuple(owners or ()))
        set_field(self, "run_config", run_config)
        set_field(self, "execution_fn", execution_fn)
        set_field(self, "run_config_fn", run_config_fn)
        set_field(self, "tags_fn", tags_fn)
        set_field(self, "should_execute", should_execute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call a ``@schedule``'s function directly, as a test does (Dagster's behaviour).

        Raises:
            TypeError: the schedule has no function (it was made with ``ScheduleDefinition``).
        """
        if self.execution_fn is None:
            raise TypeError(f"schedule {self.name!r} has no function to call; it was made with ScheduleDefinition")
        return self.execution_fn(*args, **kwargs)

    def next_tick(self, after: datetime | None = None) -> datetime | None:
        """The first fire time strictly after ``after`` (now by default), in the schedule's zone;
        None when there is none (a ``@once`` schedule past its one tick)."""
        start = after if after is not None else datetime.now(UTC)
        return next(fire_times(self.cron_schedule, timezone(self.execution_timezone), start), None)


def _refuse_both(name: str, value: Any, fn_name: str, fn: Any) -> None:
    if value is not None and fn is not None:
        raise DefinitionError(f"ScheduleDefinition: give {name} or {fn_name}, not both")


@dataclass(frozen=True, slots=True, init=False)
class Definitions:
    """Everything a code location offers: assets, asset checks, jobs and schedules (Dagster's ``Definitions``).

    Jobs named only by a schedule's ``job=`` are collected too, so defining a job inline in
    a schedule is enough.
    """

    assets: tuple[object, ...]
    asset_checks: tuple[object, ...]
    sensors: tuple[object, ...]
    resources: Mapping[str, object]
    jobs: tuple[AssetJob, ...]
    schedules: tuple[ScheduleDefinition, ...]
    executor: str | None
    metadata: Mapping[str, object]

    def __init__(
        self,
        assets: Iterable[object] | None = None,
        schedules: Iterable[ScheduleDefinition] | None = None,
        sensors: Iterable[object] | None = None,
        jobs: Iterable[AssetJob] | None = None,
        resources: Mapping[str, object] | None = None,
        executor: str | None = None,
        loggers: Mapping[str, object] | None = None,
        asset_checks: Iterable[object] | None = None,
        metadata: Mapping[str, object] | None = None,
        component_tree: object | None = None,
    ) -> None:
        # Dagster's order of arguments; what Headwater does not have yet is refused, not ignored.
        refuse_unsupported(
            "Definitions", loggers=loggers, component_tree=component_tree
        )
        schedule_list = tuple(schedules or ())
        job_list = list(jobs or ())
        for schedule in schedule_list:
            if schedule.job is not None and all(schedule.job is not j for j in job_list):
                job_list.append(schedule.job)
        object.__setattr__(self, "assets", tuple(assets or ()))
        object.__setattr__(self, "asset_checks", tuple(asset_checks or ()))
        object.__setattr__(self, "sensors", tuple(sensors or ()))
        object.__setattr__(self, "resources", MappingProxyType({str(k): v for k, v in (resources or {}).items()}))
        object.__setattr__(self, "jobs", tuple(job_list))
        object.__setattr__(self, "schedules", schedule_list)
        object.__setattr__(self, "executor", _check_executor(executor, "Definitions"))
        object.__setattr__(self, "metadata", MappingProxyType(dict(metadata or {})))
