"""Runs: listing with filters and cursor pages, finding one by a short id, one run whole.

::

    page = list_runs(instance, RunQuery(statuses=(RunStatus.FAILURE,), dag_id="iris"), limit=20)
    more = list_runs(instance, RunQuery(...), limit=20, cursor=page.next_cursor)
    detail = run_detail(instance, "3f2a")          # a unique prefix, a full id, or "latest"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from headwater.errors import RunNotFound
from headwater.storage.records import (
    CheckEvaluation,
    Materialization,
    Run,
    RunsFilter,
    RunStatus,
    StepAttempt,
    StepRecord,
)

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["RunDetail", "RunPage", "RunQuery", "find_run", "list_runs", "parse_status", "run_detail"]


@dataclass(frozen=True, slots=True)
class RunQuery:
    """Which runs to list; every field given must hold.

    Attributes:
        statuses: any of these (all when empty).
        job_name: runs of this job.
        dag_id: runs of this Airflow-dialect DAG (its ``dag_id`` tag).
        tags: every one of these tags, with exactly this value.
        created_after: created at or after this UTC epoch time.
        created_before: created before this UTC epoch time.
    """

    statuses: tuple[RunStatus, ...] = ()
    job_name: str | None = None
    dag_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    created_after: float | None = None
    created_before: float | None = None

    def to_filter(self) -> RunsFilter:
        """The store's filter for this query."""
        tags = dict(self.tags)
        if self.dag_id is not None:
            tags["dag_id"] = self.dag_id
        return RunsFilter(self.statuses, self.job_name, tags, self.created_after, self.created_before)


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of runs, newest first.

    Attributes:
        runs: the runs of this page.
        next_cursor: pass it as ``cursor=`` for the next (older) page; None on the last page.
    """

    runs: tuple[Run, ...]
    next_cursor: str | None = None


def parse_status(text: str) -> RunStatus:
    """A run status from its name, any case (``failure`` -> ``RunStatus.FAILURE``).

    Raises:
        ValueError: no status has that name (the message lists them).
    """
    try:
        return RunStatus(text.strip().upper())
    except ValueError:
        known = ", ".join(status.value for status in RunStatus)
        raise ValueError(f"unknown status {text!r}; choose one of {known}") from None


def list_runs(
    instance: Instance, query: RunQuery | None = None, *, limit: int = 20, cursor: str | None = None
) -> RunPage:
    """The runs ``query`` wants, newest first, ``limit`` at a time.

    Runs whose process was lost (their heartbeat stopped, on any host) are closed first
    (when the store can be written), so a listing never shows a dead run as started.

    Args:
        instance: the stores.
        query: filters; every run when None.
        limit: the page size.
        cursor: a page's ``next_cursor``: the page after it.

    Raises:
        RunNotFound: ``cursor`` names no run.
    """
    from headwater.scheduling.recovery import close_lost_runs

    store = instance.store
    if not instance.read_only:
        close_lost_runs(store)
    filters = (query or RunQuery()).to_filter()
    found = store.list_runs(limit=limit + 1, before=cursor, filters=filters)
    page = tuple(found[:limit])
    return RunPage(page, page[-1].run_id if len(found) > limit and page else None)


def find_run(instance: Instance, run_id: str) -> Run:
    """The run ``run_id`` names: ``latest``, a full id, or a unique prefix of one.

    Raises:
        RunNotFound: no run, or a prefix that several runs share (the message says which).
    """
    store = instance.store
    if run_id == "latest":
        run = store.latest_run()
        if run is None:
            raise RunNotFound("no runs yet: start one with `headwater materialize`")
        return run
    try:
        return store.get_run(run_id)
    except RunNotFound:
        pass
    matches = store.runs_with_prefix(run_id, limit=2) if run_id else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RunNotFound(f"run id prefix {run_id!r} is ambiguous: it matches several runs, give more characters")
    raise RunNotFound(f"no run with id {run_id!r}; `headwater runs list` shows the recent ones")


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run with everything recorded about it but its logs and events (see :mod:`.logs`).

    Attributes:
        run: the run.
        steps: its steps, in the order they started (those not started last).
        attempts: every attempt of every step, by start time.
        checks: its asset check results, oldest first.
        materializations: what it stored, newest first.
    """

    run: Run
    steps: tuple[StepRecord, ...]
    attempts: tuple[StepAttempt, ...]
    checks: tuple[CheckEvaluation, ...]
    materializations: tuple[Materialization, ...]


def run_detail(instance: Instance, run_id: str) -> RunDetail:
    """The run ``run_id`` names (as :func:`find_run` reads it) with its steps, attempts,
    checks and materializations.

    Raises:
        RunNotFound: as :func:`find_run`.
    """
    store = instance.store
    run = find_run(instance, run_id)
    return RunDetail(
        run,
        tuple(store.get_steps(run.run_id)),
        tuple(store.get_attempts(run.run_id)),
        tuple(store.get_check_evaluations(run_id=run.run_id)),
        tuple(store.get_materializations(run_id=run.run_id)),
    )
