"""What a running Airflow task sees: ``ti``, ``ds``, ``dag_run``, ... on top of the engine's context.

The engine runs every task node with its own step context (``run_id``, ``attempt``, ``log``,
``xcom_push``, ``xcom_pull``, ``run_tags``); :mod:`headwater.execution.airflow.task` runs the
operator with Airflow's view of it, which this module builds:

* :class:`TaskInstance` (``ti``): ``xcom_push`` / ``xcom_pull`` with Airflow's signatures,
  mapping plain task ids to the keys of the same DAG (``"extract"`` -> ``"etl.extract"``);
* :class:`DagRun` (``dag_run``): run id, logical date, ``conf``;
* :func:`airflow_context`: the dict a ``python_callable`` takes its keyword arguments from
  (``ds``, ``ts``, ``logical_date``, ``params``, ...), also returned by
  :func:`get_current_context` while the task runs.

The logical date is the run's ``logical_date`` tag (the start of the data interval the
scheduler ran it for, or the date given to ``headwater dags test``); a run without one uses
the moment its first task started. A run the scheduler started carries its data interval
in its tags too (:mod:`headwater.definitions.airflow.intervals`); others run from the logical date to the next fire time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from headwater.definitions.airflow.intervals import LOGICAL_DATE_TAG, interval_from_tags
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.variables import template_accessors
from headwater.execution.airflow.history import prior_success_of
from headwater.execution.context import RETURN_VALUE

__all__ = ["DagRun", "TaskInstance", "airflow_context", "get_current_context", "use_context"]

#: run tags read here (and the data interval's, see :mod:`headwater.definitions.airflow.intervals`)
CONF_TAG = "dag_run_conf"

_current: ContextVar[dict[str, Any] | None] = ContextVar("headwater_airflow_context", default=None)
#: run id -> logical date, for runs without a logical_date tag (a bounded memo)
_run_dates: OrderedDict[str, datetime] = OrderedDict()


def get_current_context() -> dict[str, Any]:
    """The running task's Airflow context (``ti``, ``ds``, ``params``, ...), as Airflow's.

    Raises:
        RuntimeError: called outside a running task.
    """
    context = _current.get()
    if context is None:
        raise RuntimeError(
            "Current context was requested but no context was found! Are you running within a task? "
            "(get_current_context() works only while a task of a DAG runs)"
        )
    return context


@contextlib.contextmanager
def use_context(context: dict[str, Any]) -> Iterator[None]:
    """Make ``context`` what :func:`get_current_context` returns, for the enclosed call."""
    token = _current.set(context)
    try:
        yield
    finally:
        _current.reset(token)


def logical_date_of(step_context: Any) -> datetime:
    """The run's logical date: its ``logical_date`` tag, else when its first task started."""
    tags: Mapping[str, str] = getattr(step_context, "run_tags", {}) or {}
    text = tags.get(LOGICAL_DATE_TAG)
    if text:
        value = datetime.fromisoformat(text)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    run_id = str(step_context.run_id)
    if run_id not in _run_dates:
        _run_dates[run_id] = datetime.now(UTC)
        while len(_run_dates) > 256:
            _run_dates.popitem(last=False)
    return _run_dates[run_id]


def run_conf_of(step_context: Any) -> dict[str, Any]:
    tags: Mapping[str, str] = getattr(step_context, "run_tags", {}) or {}
    text = tags.get(CONF_TAG)
    return dict(json.loads(text)) if text else {}


class DagRun:
    """The run of a DAG a task belongs to (Airflow's ``dag_run``)."""

    def __init__(self, dag_id: str, run_id: str, logical_date: datetime, conf: dict[str, Any], run_type: str) -> None:
        self.dag_id = dag_id
        self.run_id = run_id
        self.logical_date = logical_date
        self.execution_date = logical_date
        self.data_interval_start = logical_date
        self.data_interval_end = logical_date
        self.start_date = logical_date
        self.conf = conf
        self.run_type = run_type
        self.external_trigger = run_type == "manual"

    def __repr__(self) -> str:
        return f"<DagRun {self.dag_id} @ {self.logical_date.isoformat()}: {self.run_id}, {self.run_type}>"


class TaskInstance:
    """One task's run within a DAG run (Airflow's ``ti`` / ``task_instance``).

    XComs go through the engine, so any value the artifact store can keep (a DataFrame, a
    fitted model) can be pushed and pulled.
    """

    def __init__(self, task: BaseOperator, step_context: Any, logical_date: datetime, map_index: int = -1) -> None:
        self.task = task
        self.task_id = task.task_id
        self.dag_id = task.dag_id
        self.run_id: str = step_context.run_id
        self.try_number: int = step_context.attempt
        self.max_tries: int = task.retries
        self.map_index = map_index
        self.logical_date = logical_date
        self.execution_date = logical_date
        self.state = "running"
        #: when the task first started in this run (across retries and reschedules, as Airflow keeps it)
        self.start_date = datetime.fromtimestamp(getattr(step_context, "first_started_at", time.time()), UTC)
        self._context = step_context

    @property
    def log(self) -> logging.Logger:
        """The task's logger: its lines are stored with the step."""
        return self._context.log

    def xcom_push(self, key: str, value: Any, execution_date: datetime | None = None) -> None:
        """Store ``value`` under ``key`` for later tasks of this run (any storable value)."""
        self._context.xcom_push(key, value, map_index=self.map_index)

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str = RETURN_VALUE,
        include_prior_dates: bool = False,
        map_indexes: int | Iterable[int] | None = None,
        default: Any = None,
    ) -> Any:
        """The value ``task_ids`` pushed under ``key`` (Airflow's signature).

        A single task id gives its value, or ``default`` (None) when it pushed none; a list
        of task ids gives the list of their values. With ``task_ids=None`` the value comes
        from this task, else from the nearest upstream task that pushed ``key``. A mapped
        task's pushes are kept per map index: without ``map_indexes`` a pull gives the list
        of every instance's value, in map-index order, except from a task of this task's own
        mapped task group, which gives this instance's value. A task that does not run in this run
        (a re-execution, a one-task run) gives what it stored in the run its value comes from.
        """
        if task_ids is None:
            return self._pull_any(key, default)
        if isinstance(task_ids, str):
            value = self._pull_one(task_ids, dag_id, key, map_indexes)
            return default if value is None else value
        return [self._pull_one(task_id, dag_id, key, map_indexes) for task_id in task_ids]

    def skip_later(self, keys: list[str], reason: str) -> None:
        """Have the engine skip the steps ``keys`` when this task succeeds (branches use it)."""
        self._context.skip_downstream(keys, reason)

    def log_metric(self, name: str, value: float) -> None:
        """Record a numeric metric for this task of this run (a Headwater addition)."""
        self._context.log_metric(name, value)

    def _key(self, task_id: str, dag_id: str | None) -> str:
        if dag_id is not None and dag_id != self.dag_id:
            return f"{dag_id}.{task_id}"
        dag = self.task.dag
        if dag is not None and task_id in dag.task_dict:
            return dag.task_dict[task_id].key
        return task_id

    def _pull_one(self, task_id: str, dag_id: str | None, key: str, map_indexes: Any = None) -> Any:
        if map_indexes is None and self._in_my_mapped_group(task_id, dag_id):
            map_indexes = self.map_index  # a task of the same mapped group: this instance's value
        return self._context.xcom_pull(self._key(task_id, dag_id), key, map_indexes=map_indexes)

    def _in_my_mapped_group(self, task_id: str, dag_id: str | None) -> bool:
        mapped = self.task.mapped
        dag = self.task.dag
        if self.map_index < 0 or mapped is None or mapped.group is None or dag is None:
            return False
        if dag_id not in (None, self.dag_id) or task_id not in dag.task_dict:
            return False
        return mapped.group.group_id in dag.task_dict[task_id].group_ids()

    def _pull_any(self, key: str, default: Any) -> Any:
        own_index = self.map_index if self.map_index >= 0 else None
        own = self._context.xcom_pull(self.task.key, key, map_indexes=own_index)
        if own is not None:
            return own
        dag = self.task.dag
        if dag is None:
            return default
        ancestors = self.task.get_flat_relative_ids(upstream=True)
        for task_id in reversed([t for t in dag.topological_task_ids() if t in ancestors]):
            value = self._pull_one(task_id, None, key)
            if value is not None:
                return value
        return default

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} map_index={self.map_index} [running]>"


def _ds_add(ds: str, days: int) -> str:
    return (datetime.strptime(ds, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def _ds_format(ds: str, input_format: str, output_format: str) -> str:
    return datetime.strptime(ds, input_format).strftime(output_format)


def _datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    delta = (since or datetime.now(UTC)) - dt
    words = abs(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if words >= size or unit == "second":
            count = int(words // size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"{text} ago" if delta.total_seconds() >= 0 else f"in {text}"
    return "now"


#: ``macros.*`` of Airflow's templates reference (``dateutil`` only when it is installed)
MACROS = SimpleNamespace(
    ds_add=_ds_add, ds_format=_ds_format, datetime_diff_for_humans=_datetime_diff_for_humans,
    datetime=datetime, timedelta=timedelta, json=json, time=time, uuid=uuid, random=random.random,
)


def schedule_neighbours(task: BaseOperator, logical_date: datetime) -> tuple[datetime | None, datetime]:
    """The DAG's scheduled times before and after ``logical_date`` (None and itself when unscheduled).

    The data interval of a run is ``logical_date`` to the next one, as in Airflow.
    """
    dag = task.dag
    expression = dag.cron if dag is not None else None
    if not expression or expression.startswith("@once"):
        return None, logical_date
    from headwater.definitions.cron import next_fire_time, previous_fire_time, timezone

    zone = timezone(dag.timezone)  # type: ignore[union-attr]
    return previous_fire_time(expression, zone, logical_date), next_fire_time(expression, zone, logical_date)


def airflow_context(task: BaseOperator, step_context: Any, map_index: int = -1) -> dict[str, Any]:
    """The Airflow context of ``task`` running in ``step_context`` (a fresh dict per call).

    It holds the variables of Airflow's templates reference. The ``prev_*_success`` ones
    describe the DAG's prior successful run (see :mod:`.history`); None when it has none.
    ``triggering_asset_events`` (``triggering_dataset_events``) is empty, as Airflow's is for
    a run not triggered by assets (asset schedules are refused).
    """
    logical_date = logical_date_of(step_context)
    previous, end = schedule_neighbours(task, logical_date)
    start = logical_date
    tags: Mapping[str, str] = getattr(step_context, "run_tags", {}) or {}
    interval = interval_from_tags(tags)  # what the scheduler (or a backfill) ran the run for
    if interval is not None:
        start, end = interval.start, interval.end
    prev_ds = previous.strftime("%Y-%m-%d") if previous is not None else None
    conf = run_conf_of(step_context)
    dag = task.dag
    run_type = "scheduled" if tags.get("schedule") else "manual"
    dag_run = DagRun(task.dag_id, step_context.run_id, logical_date, conf, run_type)
    dag_run.data_interval_start, dag_run.data_interval_end = start, end
    ti = TaskInstance(task, step_context, logical_date, map_index)
    params = {**(dag.resolved_params() if dag is not None else {}), **task.resolved_params(), **conf}
    ds = logical_date.strftime("%Y-%m-%d")
    ds_nodash = ds.replace("-", "")
    prior = prior_success_of(tags)
    prior_start = prior_end = None
    if prior is not None:
        prior_start, prior_end = (
            (prior.interval.start, prior.interval.end) if prior.interval is not None
            else (prior.logical_date, schedule_neighbours(task, prior.logical_date)[1])
        )
    return {
        "conf": _EmptyConfig(),
        "dag": dag,
        "dag_run": dag_run,
        "data_interval_end": end,
        "data_interval_start": start,
        "ds": ds,
        "ds_nodash": ds_nodash,
        "execution_date": logical_date,
        "expanded_ti_count": None,
        "inlets": [],
        "logical_date": logical_date,
        "macros": MACROS,
        "map_index_template": None,
        "next_ds": end.strftime("%Y-%m-%d"),
        "next_ds_nodash": end.strftime("%Y%m%d"),
        "next_execution_date": end,
        "outlets": [],
        "params": params,
        "prev_ds": prev_ds,
        "prev_ds_nodash": prev_ds.replace("-", "") if prev_ds else None,
        "prev_execution_date": previous,
        "prev_data_interval_start_success": prior_start,
        "prev_data_interval_end_success": prior_end,
        "prev_execution_date_success": prior.logical_date if prior is not None else None,
        "prev_start_date_success": prior.start_date if prior is not None else None,
        "prev_end_date_success": prior.end_date if prior is not None else None,
        "run_id": step_context.run_id,
        "task": task,
        "task_instance": ti,
        "task_instance_key_str": f"{task.dag_id}__{task.task_id}__{ds_nodash}",
        "task_reschedule_count": getattr(step_context, "reschedules", 0),
        "test_mode": False,
        "ti": ti,
        "tomorrow_ds": _ds_add(ds, 1),
        "triggering_asset_events": {},
        "triggering_dataset_events": {},
        "tomorrow_ds_nodash": _ds_add(ds, 1).replace("-", ""),
        "ts": logical_date.isoformat(),
        "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": logical_date.strftime("%Y%m%dT%H%M%S%z"),
        **template_accessors(),
        "yesterday_ds": _ds_add(ds, -1),
        "yesterday_ds_nodash": _ds_add(ds, -1).replace("-", ""),
    }


class _EmptyConfig:
    """Stands in for Airflow's configuration object: every lookup gives its fallback."""

    def get(self, section: str, key: str, fallback: Any = None, **_: Any) -> Any:
        return fallback

    def getboolean(self, section: str, key: str, fallback: bool = False, **_: Any) -> bool:
        return fallback
