"""What one tick of a schedule or sensor amounts to: the runs it asks for, or why none.

The scheduler and tests share this: it calls the definition's function with its context
and reads what it gave back the way Dagster does::

    @schedule(cron_schedule="@daily", job=etl)          ->  a RunRequest, several, a
    def daily(context): ...                                  SkipReason, a run config dict
                                                             (one run with it), or nothing
    evaluate_schedule(daily, build_schedule_context())   # Tick(run_requests=[...], skip_message=None)

A sensor's function may also update its cursor; an ``@asset_sensor`` is called with the
newest materialization of its asset since its cursor (and skipped when there is none), and
its cursor moves past it. A function that raises fails the tick with a ``UserCodeError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.jobs import ScheduleDefinition
from headwater.definitions.node import AssetKey
from headwater.definitions.sensors import (
    AssetEvent,
    RunRequest,
    ScheduleEvaluationContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
)
from headwater.errors import UserCodeError
from headwater.storage.base import MaterializationIndex

__all__ = ["Tick", "evaluate_schedule", "evaluate_sensor"]


@dataclass(slots=True)
class Tick:
    """The outcome of one tick.

    Attributes:
        run_requests: the runs asked for, each naming its job.
        skip_message: why none was asked for (a ``SkipReason``), if one was given.
        cursor: a sensor's cursor after the tick.
    """

    run_requests: list[RunRequest] = field(default_factory=list)
    skip_message: str | None = None
    cursor: str | None = None


def evaluate_schedule(schedule: ScheduleDefinition, context: ScheduleEvaluationContext) -> Tick:
    """The runs a tick of ``schedule`` asks for (one run of its job, with its run config, when
    it has no function)."""
    if schedule.should_execute is not None and not _call(schedule.name, schedule.should_execute, context):
        return Tick(skip_message=f"should_execute function for {schedule.name} returned false.")
    if schedule.execution_fn is None:
        run_config = (
            _call(schedule.name, schedule.run_config_fn, context) if schedule.run_config_fn else schedule.run_config
        )
        tags = dict(_call(schedule.name, schedule.tags_fn, context) or {}) if schedule.tags_fn else schedule.tags
        return Tick([RunRequest(run_config=run_config, tags=tags, job_name=schedule.job_name)])
    returned = _call(schedule.name, schedule.execution_fn, context)
    if isinstance(returned, dict):  # a run config for one run of the job
        returned = RunRequest(run_config=returned)
    return _tick(returned, schedule.job_name, schedule.tags, cursor=None)


def evaluate_sensor(
    sensor: SensorDefinition, context: SensorEvaluationContext, materializations: MaterializationIndex | None = None
) -> Tick:
    """The runs a tick of ``sensor`` asks for, and its cursor after the tick.

    Args:
        materializations: where an ``@asset_sensor`` looks for new materializations of its asset.
    """
    if sensor.asset_key is None:
        returned = _call(sensor.name, sensor.evaluation_fn, context)
        return _one_of_its_jobs(sensor, _tick(returned, sensor.job_name, sensor.tags, cursor=context.cursor))
    if materializations is None:
        raise TypeError(f"asset sensor {sensor.name!r} needs the store's materializations to evaluate")
    seen = float(context.cursor) if context.cursor else 0.0
    newer = [m for m in materializations.get_materializations(sensor.asset_key, limit=100) if m.created_at > seen]
    if not newer:
        return Tick(skip_message=f"no new materialization of {sensor.asset_key!r}", cursor=context.cursor)
    latest = max(newer, key=lambda m: m.created_at)
    event = AssetEvent(
        AssetKey.from_user_string(latest.asset_key), latest.run_id, latest.created_at, latest.data_version,
        dict(latest.metadata),
    )
    returned = _call(sensor.name, sensor.evaluation_fn, context, event)
    return _tick(returned, sensor.job_name, sensor.tags, cursor=repr(latest.created_at))


def _one_of_its_jobs(sensor: SensorDefinition, tick: Tick) -> Tick:
    """Check that each run request of a sensor with several jobs names one of them."""
    if not sensor.jobs:
        return tick
    names = sorted(job.name for job in sensor.jobs)
    for request in tick.run_requests:
        if request.job_name not in names:
            raise UserCodeError(
                f"sensor {sensor.name!r} targets several jobs {names}: a RunRequest must name one of them with "
                f"job_name=, not {request.job_name!r}",
                step_key=sensor.name,
            )
    return tick


def _call(name: str, fn: Any, *args: Any) -> Any:
    try:
        returned = fn(*args)
        return list(returned) if inspect.isgenerator(returned) else returned
    except Exception as exc:
        raise UserCodeError(f"{name!r} raised {type(exc).__name__}: {exc}", step_key=name) from exc


def _tick(returned: Any, job_name: str | None, tags: Any, cursor: str | None) -> Tick:
    items: Iterable[Any] = returned if isinstance(returned, list | tuple) else [] if returned is None else [returned]
    tick = Tick(cursor=cursor)
    for item in items:
        if isinstance(item, SkipReason):
            tick.skip_message = item.skip_message or "skipped"
        elif isinstance(item, RunRequest):
            tick.run_requests.append(
                RunRequest(item.run_key, item.run_config, {**dict(tags), **dict(item.tags)},
                           item.job_name or job_name, item.asset_selection)
            )
        else:
            raise UserCodeError(f"a tick gave {type(item).__name__}; give RunRequest or SkipReason")
    return tick
