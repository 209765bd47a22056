"""What an Airflow task knows of its DAG's earlier runs: the prior successful run.

Airflow's template context names the prior successful DAG run's data interval, logical date,
start and end (``prev_data_interval_start_success``, ``prev_start_date_success``, ...): the
latest successful run of the same DAG whose logical date is before this run's. The run
looks it up in the run store when it starts (:func:`prior_success_tags`) and hands it to
its steps as a run tag that is not stored with the run (steps may run in other processes,
which do not open the store); :func:`prior_success_of` reads it back in the step.

A run's logical date is its ``logical_date`` tag, else when it started; its data interval is
the one its tags carry (a scheduled or backfilled run's), else the task works it out from the
logical date as it does for its own run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from headwater.definitions.airflow.intervals import DataInterval, interval_from_tags, interval_tags
from headwater.storage.base import RunStore
from headwater.storage.records import RunStatus, RunsFilter

__all__ = ["PRIOR_SUCCESS_TAG", "PriorSuccess", "prior_success_of", "prior_success_tags"]

#: the step-only run tag holding the prior successful run (JSON)
PRIOR_SUCCESS_TAG = "headwater/airflow_prior_success"
#: how many of a DAG's successful runs are looked through for one with an earlier logical date
_SCANNED = 500


@dataclass(frozen=True, slots=True)
class PriorSuccess:
    """The prior successful run of a DAG: its logical date, and when it started and ended."""

    run_id: str
    logical_date: datetime
    start_date: datetime | None
    end_date: datetime | None
    #: the run's data interval, when its tags carried one
    interval: DataInterval | None = None


def _logical_date(tags: Mapping[str, str], started_at: float | None) -> datetime | None:
    text = tags.get("logical_date")
    if text:
        value = datetime.fromisoformat(text)
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(started_at, UTC) if started_at is not None else None


def _when(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, UTC).isoformat() if epoch is not None else None


def prior_success_tags(store: RunStore, job_name: str, tags: Mapping[str, str], started_at: float) -> dict[str, str]:
    """The step-only tag naming the latest successful run of ``job_name`` before this run's logical date.

    Returns:
        ``{PRIOR_SUCCESS_TAG: json}``, or nothing when the DAG has no earlier successful run.
    """
    mine = _logical_date(tags, started_at)
    assert mine is not None
    runs = store.list_runs(limit=_SCANNED, filters=RunsFilter(statuses=(RunStatus.SUCCESS,), job_name=job_name))
    earlier = [(when, run) for run in runs if (when := _logical_date(run.tags, run.started_at)) is not None and when < mine]
    if not earlier:
        return {}
    when, run = max(earlier, key=lambda pair: pair[0])
    found = {"run_id": run.run_id, "logical_date": when.isoformat(), "start_date": _when(run.started_at),
             "end_date": _when(run.ended_at)}
    interval = interval_from_tags(run.tags)
    if interval is not None:
        found.update(interval_tags(interval))
    return {PRIOR_SUCCESS_TAG: json.dumps(found)}


def prior_success_of(tags: Mapping[str, str]) -> PriorSuccess | None:
    """The prior successful run a step was handed, if any."""
    text = tags.get(PRIOR_SUCCESS_TAG)
    if not text:
        return None
    found = json.loads(text)

    def date(name: str) -> datetime | None:
        return datetime.fromisoformat(found[name]) if found.get(name) else None

    logical = date("logical_date")
    assert logical is not None
    return PriorSuccess(found["run_id"], logical, date("start_date"), date("end_date"), interval_from_tags(found))
