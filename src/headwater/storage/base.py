"""What the engine asks of storage: one small protocol per concern.

The engine (planning, execution) depends on these protocols only; ``storage.sql`` implements
them over SQLAlchemy for SQLite and PostgreSQL. Writes take lists so the engine can batch
them: a run of a thousand steps commits a handful of transactions, not thousands.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from headwater.storage.records import (
    Backfill,
    BackfillStatus,
    CheckEvaluation,
    DaemonRecord,
    Event,
    LogLine,
    Materialization,
    Metric,
    NamedValue,
    Run,
    RunsFilter,
    RunStatus,
    ScheduleTick,
    StepAttempt,
    StepRecord,
    XCom,
)

__all__ = [
    "ArtifactStore",
    "BackfillStore",
    "CheckEvaluationIndex",
    "DaemonRegistry",
    "EventLog",
    "MaterializationIndex",
    "MetricStore",
    "NamedValueStore",
    "RunLiveness",
    "RunQueue",
    "RunStore",
    "ScheduleStateStore",
    "StoredArtifact",
    "XComStore",
]


@runtime_checkable
class RunStore(Protocol):
    """Runs and the state of their steps."""

    def batch(self) -> AbstractContextManager[None]:
        """The writes of this thread inside it are one transaction (all land, or none)."""
        ...

    def add_run(self, run: Run) -> None: ...

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus,
        started_at: float | None = None,
        ended_at: float | None = None,
        error: str | None = None,
        only_from: Collection[RunStatus] | None = None,
    ) -> bool:
        """Whether the run changed: only while its status is one of ``only_from``, when given."""
        ...

    def get_run(self, run_id: str) -> Run:
        """Raises ``RunNotFound``."""
        ...

    def list_runs(
        self,
        *,
        limit: int = 50,
        before: str | None = None,
        status: RunStatus | None = None,
        filters: RunsFilter | None = None,
    ) -> list[Run]:
        """Newest first; ``before`` is a run id to page after (cursor pagination)."""
        ...

    def runs_with_prefix(self, prefix: str, *, limit: int = 2) -> list[Run]:
        """Runs whose id starts with ``prefix``, newest first."""
        ...

    def latest_run(self) -> Run | None: ...

    def upsert_steps(self, steps: Sequence[StepRecord]) -> None: ...

    def get_steps(self, run_id: str) -> list[StepRecord]: ...

    def last_failures(self, step_keys: Iterable[str]) -> dict[str, float]:
        """Step key -> when it last failed, for the keys that ever failed."""
        ...

    def add_attempts(self, attempts: Sequence[StepAttempt]) -> None: ...

    def get_attempts(self, run_id: str, step_key: str | None = None) -> list[StepAttempt]: ...


@runtime_checkable
class RunLiveness(Protocol):
    """A running run's heartbeat, and ending the runs whose process was lost."""

    def beat(self, run_id: str, at: float | None = None) -> RunStatus:
        """The run's status now; with ``at``, first record ``at`` as its heartbeat."""
        ...

    def end_lost_run(
        self,
        run: Run,
        *,
        status: RunStatus,
        ended_at: float,
        error: str,
        steps: Sequence[StepRecord] = (),
        attempts: Sequence[StepAttempt] = (),
        events: Sequence[Event] = (),
    ) -> bool:
        """End ``run`` with its steps, attempts and events, unless its status or heartbeat
        changed since it was read; whether this call ended it."""
        ...


@runtime_checkable
class RunQueue(Protocol):
    """Runs waiting to be launched: submitted, claimed by a coordinator, started or released.

    See :mod:`headwater.storage.sql.queue` for the states and why each step is atomic.
    """

    def enqueue_run(self, run: Run) -> None:
        """Record a ``QUEUED`` run. Raises ``RunKeyTaken`` when its run key is already used."""
        ...

    def get_run_by_key(self, run_key: str) -> Run | None: ...

    def claim_runs(
        self,
        claimer: str,
        choose: Callable[[Sequence[Run], Sequence[Run]], Sequence[str]],
        *,
        candidates: int = 100,
    ) -> list[Run]:
        """Claim the queued runs ``choose(in_flight, candidates)`` picks, serialized across processes."""
        ...

    def start_claimed_run(self, run: Run, claimed_by: str) -> bool:
        """Record ``run`` as started if it is still queued and claimed by ``claimed_by``."""
        ...

    def fail_claimed_run(self, run_id: str, claimed_by: str, error: str) -> bool:
        """End a claimed run that could not start as failed, if the claim still holds."""
        ...

    def release_claims(self, claimer: str, run_ids: Iterable[str] | None = None) -> list[str]:
        """Return ``claimer``'s claimed, unstarted runs to the queue; their ids."""
        ...

    def release_claims_not_held_by(self, live_claimers: Iterable[str]) -> list[str]:
        """Return to the queue the claimed, unstarted runs of every claimer not listed."""
        ...

    def count_queued(self) -> int: ...


@runtime_checkable
class DaemonRegistry(Protocol):
    """The daemons serving a store, each with a heartbeat."""

    def register_daemon(self, daemon: DaemonRecord) -> None: ...

    def daemon_heartbeat(self, daemon_id: str, at: float) -> bool:
        """False when the daemon's record is gone (another daemon found it dead)."""
        ...

    def remove_daemon(self, daemon_id: str) -> None: ...

    def list_daemons(self, kind: str | None = None) -> list[DaemonRecord]: ...


@runtime_checkable
class EventLog(Protocol):
    """The ordered events of runs and the lines their steps printed or logged."""

    def add_events(self, events: Sequence[Event]) -> None: ...

    def get_events(self, run_id: str) -> list[Event]: ...

    def add_logs(self, lines: Sequence[LogLine]) -> None: ...

    def get_logs(self, run_id: str, step_key: str | None = None) -> list[LogLine]: ...

    def read_events(self, run_id: str, *, after_id: int = 0, limit: int | None = None) -> list[tuple[int, Event]]:
        """Events after the cursor ``after_id``, oldest first, each with its id (the next cursor)."""
        ...

    def read_logs(
        self, run_id: str, *, step_key: str | None = None, after_id: int = 0, limit: int | None = None
    ) -> list[tuple[int, LogLine]]:
        """Log lines after the cursor ``after_id``, oldest first, each with its id."""
        ...


@runtime_checkable
class MaterializationIndex(Protocol):
    """Where each stored output is and what produced it."""

    def add_materializations(self, materializations: Sequence[Materialization]) -> None: ...

    def get_materializations(
        self,
        asset_key: str | None = None,
        *,
        run_id: str | None = None,
        limit: int | None = None,
    ) -> list[Materialization]:
        """Newest first."""
        ...

    def latest_materializations(self, asset_keys: Iterable[str]) -> dict[str, Materialization]:
        """The newest materialization (of no partition) of each key that has one."""
        ...

    def latest_partition_materializations(
        self, asset_keys: Iterable[str], partitions: Iterable[str] | None = None
    ) -> dict[str, dict[str, Materialization]]:
        """Asset key -> partition key -> the newest materialization of that partition (of the
        partitions given; all when None)."""
        ...

    def referenced_artifacts(self) -> set[str]:
        """The URI of every stored file some materialization references."""
        ...


@runtime_checkable
class CheckEvaluationIndex(Protocol):
    """The results of asset checks, per run and per asset."""

    def add_check_evaluations(self, evaluations: Sequence[CheckEvaluation]) -> None: ...

    def get_check_evaluations(
        self, *, run_id: str | None = None, asset_key: str | None = None, limit: int | None = None
    ) -> list[CheckEvaluation]:
        """Oldest first."""
        ...

    def latest_check_evaluations(self, asset_keys: Iterable[str]) -> dict[str, list[CheckEvaluation]]:
        """Asset key -> the newest result of each of its checks."""
        ...


@runtime_checkable
class XComStore(Protocol):
    """The values steps pushed under keys (XComs), recorded with their step's materialization."""

    def add_xcoms(self, xcoms: Sequence[XCom]) -> None: ...

    def get_xcoms(self, sources: Iterable[tuple[str, str]]) -> list[XCom]:
        """The XComs each ``(run id, task key)`` pushed, by task, key and map index."""
        ...


@runtime_checkable
class MetricStore(Protocol):
    """Numeric values logged by steps, per run."""

    def add_metrics(self, metrics: Sequence[Metric]) -> None: ...

    def get_metrics(
        self, *, run_id: str | None = None, name: str | None = None, step_key: str | None = None
    ) -> list[Metric]:
        """Oldest first."""
        ...

    def metric_names(self) -> list[tuple[str, str]]:
        """Every ``(metric name, step key)`` ever logged, sorted."""
        ...


@runtime_checkable
class ScheduleStateStore(Protocol):
    """Schedule on/off state and the ticks the daemon has evaluated."""

    def get_schedule_states(self) -> dict[str, str]:
        """Schedule name -> status (``RUNNING`` or ``STOPPED``) for every stored schedule."""
        ...

    def set_schedule_state(self, name: str, status: str, *, at: float | None = None) -> None: ...

    def add_tick(self, tick: ScheduleTick) -> bool:
        """Record a tick; ``False`` (and nothing written) when its run key is already known."""
        ...

    def update_tick(
        self, run_key: str, *, status: str, run_id: str | None = None, error: str | None = None
    ) -> None: ...

    def get_ticks(self, schedule_name: str | None = None, *, limit: int = 50) -> list[ScheduleTick]:
        """Newest first."""
        ...


@runtime_checkable
class BackfillStore(Protocol):
    """Backfills; their runs are the runs tagged with their id."""

    def add_backfill(self, backfill: Backfill) -> None: ...

    def get_backfill(self, backfill_id: str) -> Backfill:
        """Raises ``BackfillNotFound``."""
        ...

    def list_backfills(self, *, limit: int = 50, statuses: Sequence[BackfillStatus] | None = None) -> list[Backfill]:
        """Newest first; only those in ``statuses`` when given."""
        ...

    def update_backfill(
        self,
        backfill_id: str,
        *,
        status: BackfillStatus | None = None,
        ended_at: float | None = None,
        error: str | None = None,
        skipped: Sequence[str] | None = None,
        pid: int | None = None,
        hostname: str | None = None,
    ) -> None: ...

    def backfill_runs(self, backfill_id: str) -> list[Run]:
        """Oldest first."""
        ...

    def last_partition_failures(self, step_keys: Iterable[str]) -> dict[str, dict[str, float]]:
        """Step key -> partition key -> when a run of that partition of it last failed."""
        ...


class StoredArtifact(Protocol):
    """Where a value was stored; read-only, so a frozen dataclass satisfies it."""

    @property
    def uri(self) -> str: ...

    @property
    def serializer(self) -> str: ...

    @property
    def size_bytes(self) -> int: ...

    @property
    def data_version(self) -> str: ...


@runtime_checkable
class ArtifactStore(Protocol):
    """Values kept as files: written atomically, addressed by URI, versioned by content."""

    def put(self, asset_key: str, value: Any, *, serializer: str | None = None) -> StoredArtifact: ...

    def get(
        self,
        uri: str,
        serializer: str,
        *,
        size_bytes: int | None = None,
        data_version: str | None = None,
        run_id: str | None = None,
    ) -> Any:
        """Raises ``ArtifactCorrupt`` when the file is missing, truncated or fails its hash check."""
        ...

    def check(
        self,
        uri: str,
        *,
        size_bytes: int | None,
        data_version: str | None,
        thorough: bool = False,
        recorded_at: float | None = None,
    ) -> str | None:
        """Why the stored file is damaged (missing, wrong size, wrong hash), or None when intact."""
        ...


@runtime_checkable
class NamedValueStore(Protocol):
    """Named settings (Airflow Variables and Connections), one namespace per ``kind``."""

    def get_named_value(self, kind: str, name: str) -> str | None: ...

    def set_named_value(self, kind: str, name: str, value: str, description: str | None = None) -> None:
        """Store ``value`` under ``name``, replacing what was there."""
        ...

    def delete_named_value(self, kind: str, name: str) -> bool:
        """Remove ``name``; False when there was nothing to remove."""
        ...

    def list_named_values(self, kind: str) -> list[NamedValue]:
        """Every value of ``kind``, by name."""
        ...
