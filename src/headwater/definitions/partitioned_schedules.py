"""``build_schedule_from_partitioned_job``: a schedule that fills in each partition as it completes.

For a job split by time windows, the schedule fires on the windows' own cron (in their time
zone) and each tick asks for one run of the partition that has just completed: at
2026-01-05 00:00 a daily job runs partition ``2026-01-04`` (with ``end_offset=1``, the
window just begun, ``2026-01-05``). For a statically partitioned job it fires on the
``cron_schedule`` given and asks for a run of every partition. Each run request carries its
partition key, which the run receives as its ``dagster/partition`` tag::

    daily = DailyPartitionsDefinition(start_date="2026-01-01")
    job = define_asset_job("ingest", selection=[events], partitions_def=daily)
    ingest_schedule = build_schedule_from_partitioned_job(job)
    ingest_schedule(build_schedule_context(datetime(2026, 1, 5, tzinfo=UTC)))
    # RunRequest(partition_key="2026-01-04", ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from headwater.definitions.jobs import AssetJob, DefaultScheduleStatus, ScheduleDefinition
from headwater.definitions.node import node_of
from headwater.definitions.partitions import PartitionsDefinition, StaticPartitionsDefinition, TimeWindowPartitionsDefinition
from headwater.definitions.selection import AssetSelection
from headwater.definitions.sensors import RunRequest, ScheduleEvaluationContext, SkipReason
from headwater.errors import DefinitionError

__all__ = ["build_schedule_from_partitioned_job", "partitions_of_job"]


def partitions_of_job(job: AssetJob) -> PartitionsDefinition | None:
    """The job's ``partitions_def``, else the one its selected asset functions share (when it
    names them); None when neither says."""
    if job.partitions_def is not None:
        return job.partitions_def
    if isinstance(job.selection, str | AssetSelection):
        return None
    found = {
        node.options.partitions_def
        for item in job.selection
        if (node := node_of(item)) is not None and node.options.partitions_def is not None
    }
    if len(found) > 1:
        raise DefinitionError(f"job {job.name!r} selects assets with different partitions: {sorted(map(str, found))}")
    return found.pop() if found else None


def build_schedule_from_partitioned_job(
    job: AssetJob,
    description: str | None = None,
    name: str | None = None,
    minute_of_hour: int | None = None,
    hour_of_day: int | None = None,
    day_of_week: int | None = None,
    day_of_month: int | None = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    tags: Mapping[str, str] | None = None,
    cron_schedule: str | None = None,
    execution_timezone: str | None = None,
) -> ScheduleDefinition:
    """A schedule that runs ``job`` for each partition as it completes (Dagster's).

    Args:
        job: a partitioned job (``define_asset_job(..., partitions_def=...)``, or one
            selecting partitioned asset functions).
        description, name, default_status, tags: as for ``ScheduleDefinition``; the name
            defaults to ``<job>_schedule``.
        minute_of_hour, hour_of_day, day_of_week, day_of_month: fire later in each window
            than its start (time-window partitions only).
        cron_schedule, execution_timezone: when to fire, for static partitions (time
            windows fire on their own cron, in their own zone).

    Raises:
        DefinitionError: the job is not partitioned, or the arguments do not fit its partitions.
    """
    if not isinstance(job, AssetJob):
        raise DefinitionError(f"build_schedule_from_partitioned_job takes a job (define_asset_job), not {job!r}")
    partitions = partitions_of_job(job)
    where = f"build_schedule_from_partitioned_job({job.name!r})"
    if partitions is None:
        raise DefinitionError(
            f"{where}: the job is not partitioned; give define_asset_job(partitions_def=...) "
            "or select partitioned asset functions"
        )
    if isinstance(partitions, TimeWindowPartitionsDefinition):
        if cron_schedule is not None or execution_timezone is not None:
            raise DefinitionError(f"{where}: a time-partitioned job fires on its partitions' cron and time zone")
        cron = _shifted(partitions.cron_schedule, minute_of_hour, hour_of_day, day_of_week, day_of_month, where)
        zone: str | None = partitions.timezone
        execution_fn: Any = _latest_window_fn(partitions, tags)
    elif isinstance(partitions, StaticPartitionsDefinition):
        if cron_schedule is None:
            raise DefinitionError(f"{where}: a statically partitioned job needs cron_schedule= (when to run every partition)")
        cron, zone = cron_schedule, execution_timezone
        execution_fn = _every_partition_fn(partitions, tags)
    else:
        raise DefinitionError(f"{where}: partitions {partitions!r} cannot be scheduled")
    return ScheduleDefinition(
        name=name, cron_schedule=cron, job=job, execution_timezone=zone, default_status=default_status,
        description=description, tags=tags, execution_fn=execution_fn,
    )


def _shifted(
    cron: str, minute: int | None, hour: int | None, weekday: int | None, monthday: int | None, where: str
) -> str:
    """``cron`` with its fields replaced by the offsets given (Dagster's ``minute_of_hour``, ...)."""
    fields = cron.split(" ")
    for index, value, name in ((0, minute, "minute_of_hour"), (1, hour, "hour_of_day"), (4, weekday, "day_of_week"),
                               (2, monthday, "day_of_month")):
        if value is None:
            continue
        if index in (1, 2, 4) and fields[index] == "*":
            raise DefinitionError(f"{where}: {name} does not fit partitions on {cron!r}")
        fields[index] = str(value)
    return " ".join(fields)


def _latest_window_fn(partitions: TimeWindowPartitionsDefinition, tags: Mapping[str, str] | None) -> Any:
    def latest_partition(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        tick: datetime = context.scheduled_execution_time
        key = partitions.get_last_partition_key(current_time=tick)
        if key is None:
            return SkipReason(f"no partition of {partitions.describe()} is complete at {tick.isoformat()}")
        return RunRequest(partition_key=key, tags=tags)

    return latest_partition


def _every_partition_fn(partitions: StaticPartitionsDefinition, tags: Mapping[str, str] | None) -> Any:
    def every_partition(context: ScheduleEvaluationContext) -> list[RunRequest]:
        return [RunRequest(partition_key=key, tags=tags) for key in partitions.get_partition_keys()]

    return every_partition
