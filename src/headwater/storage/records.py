"""The records Headwater keeps: the shared vocabulary of the stores, the engine and the UI.

Plain frozen dataclasses on the standard library only, so every layer may import them.
Times are UTC epoch seconds (``float``); ids are strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from headwater.errors import FailureKind

__all__ = [
    "Backfill",
    "BackfillStatus",
    "CheckEvaluation",
    "DaemonRecord",
    "Event",
    "EventKind",
    "LogLine",
    "Materialization",
    "Metric",
    "NamedValue",
    "Run",
    "RunStatus",
    "RunsFilter",
    "ScheduleTick",
    "StepAttempt",
    "StepRecord",
    "StepStatus",
    "XCom",
]


class RunStatus(StrEnum):
    """Where a run stands."""

    QUEUED = "QUEUED"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    #: asked to stop; its process is stopping its steps
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.CANCELED)


class StepStatus(StrEnum):
    """Where one step of a run stands.

    ``SKIPPED``: it did not run, or ended without a value, on purpose: it skipped itself,
    a branch did not choose it, or its trigger rule skips it (``all_success`` under a skipped
    upstream); the record's reason says which. ``UPSTREAM_FAILED``: it did not run because
    an upstream failed (or was itself upstream_failed) and its trigger rule needs success.
    ``UP_TO_DATE``: it did not need to run because its last materialization is current.
    ``CANCELED``: it was interrupted when its run was canceled; its output so far is kept.
    """

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"
    UPSTREAM_FAILED = "UPSTREAM_FAILED"
    UP_TO_DATE = "UP_TO_DATE"
    #: it was running when its run was canceled, and was stopped
    CANCELED = "CANCELED"


class EventKind(StrEnum):
    RUN_ENQUEUED = "RUN_ENQUEUED"
    RUN_START = "RUN_START"
    RUN_SUCCESS = "RUN_SUCCESS"
    RUN_FAILURE = "RUN_FAILURE"
    RUN_CANCELING = "RUN_CANCELING"
    RUN_CANCELED = "RUN_CANCELED"
    STEP_START = "STEP_START"
    STEP_SUCCESS = "STEP_SUCCESS"
    STEP_FAILURE = "STEP_FAILURE"
    STEP_RETRY = "STEP_RETRY"
    STEP_SKIPPED = "STEP_SKIPPED"
    STEP_UPSTREAM_FAILED = "STEP_UPSTREAM_FAILED"
    STEP_UP_TO_DATE = "STEP_UP_TO_DATE"
    STEP_CANCELED = "STEP_CANCELED"
    MATERIALIZATION = "MATERIALIZATION"


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a selection of steps."""

    run_id: str
    status: RunStatus
    selection: str
    job_name: str | None = None
    created_at: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    #: process id and host of the process driving the run, to tell a dead run from a live one
    pid: int | None = None
    hostname: str | None = None
    #: what a queued run runs: code location, selection or job, run config (JSON-able)
    launch: dict[str, Any] = field(default_factory=dict)
    #: queued runs with a higher priority are claimed first
    priority: int = 0
    #: a key unique across all runs ever (a schedule tick's, a backfill partition's)
    run_key: str | None = None
    #: the coordinator that claimed the queued run
    claimed_by: str | None = None
    #: when the run's process last said it was alive
    heartbeat_at: float | None = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


@dataclass(frozen=True, slots=True)
class RunsFilter:
    """Which runs a listing wants (Dagster's ``RunsFilter``); every field given must hold.

    Attributes:
        statuses: any of these statuses (all when empty).
        job_name: runs of this job (a DAG's runs have its dag_id as job name).
        tags: every one of these tags, with exactly this value.
        created_after: created at or after this time (UTC epoch seconds).
        created_before: created before this time.
    """

    statuses: tuple[RunStatus, ...] = ()
    job_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created_after: float | None = None
    created_before: float | None = None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """The final (or current) state of one step in one run."""

    run_id: str
    step_key: str
    status: StepStatus
    attempts: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    error: str | None = None
    traceback: str | None = None
    #: why a step was skipped or found up to date, in words
    reason: str | None = None
    failure_kind: FailureKind | None = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


@dataclass(frozen=True, slots=True)
class StepAttempt:
    """One attempt at running a step; a step with retries has several."""

    run_id: str
    step_key: str
    attempt: int
    status: StepStatus
    started_at: float
    ended_at: float | None = None
    error: str | None = None
    traceback: str | None = None
    failure_kind: FailureKind | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened during a run, in order."""

    run_id: str
    kind: EventKind
    timestamp: float
    step_key: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One captured line of a step's output.

    ``stream`` is ``stdout``, ``stderr`` or ``log`` (the ``logging`` module and
    ``context.log``); ``level`` is the logging level name for ``log`` lines.
    """

    run_id: str
    step_key: str
    stream: str
    timestamp: float
    text: str
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Materialization:
    """One stored output of an asset (or task): where it is and what produced it."""

    asset_key: str
    run_id: str
    artifact_uri: str
    serializer: str
    size_bytes: int
    data_version: str
    created_at: float
    code_version: str | None = None
    partition: str | None = None
    #: upstream asset key -> data version of the materialization that was consumed
    input_versions: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: what the code version covered: component (``"helper _split"``) -> its hash
    code_components: dict[str, str] = field(default_factory=dict)
    #: the Python version and the versions of the distributions the code reaches
    environment: dict[str, str] = field(default_factory=dict)
    #: the version of what a source step read (its ``source_version=``), when it declares one
    source_version: str | None = None


@dataclass(frozen=True, slots=True)
class XCom:
    """A value a step pushed under a key (Airflow's XCom), besides the value it returned.

    It is stored in the artifact store like any output and recorded with the step's
    materialization in the same run, so the XComs of a task are those of the run that
    produced its materialization. ``map_index`` is the mapped instance that pushed it
    (``-1`` for a task that is not mapped).
    """

    run_id: str
    task_key: str
    key: str
    map_index: int
    artifact_uri: str
    serializer: str
    size_bytes: int
    data_version: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Metric:
    """A numeric value logged by a step (``context.log_metric`` or numeric metadata)."""

    run_id: str
    step_key: str
    name: str
    value: float
    timestamp: float


@dataclass(frozen=True, slots=True)
class ScheduleTick:
    """One evaluation of a schedule at one fire time.

    ``run_key`` identifies the tick (schedule name plus fire time), so a restarted daemon
    that evaluates the same fire time again finds the tick already recorded and launches
    nothing. ``status`` is the daemon's word for the outcome (``STARTED``, ``SUCCESS``,
    ``SKIPPED``, ``FAILURE``).
    """

    schedule_name: str
    run_key: str
    tick_time: float
    status: str
    run_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CheckEvaluation:
    """One result of one asset check in one run.

    Attributes:
        step_key: the step that reported it (the check's own step, or the asset's).
        severity: ``ERROR`` or ``WARN``.
        blocking: whether a failure stops the asset's downstream.
    """

    run_id: str
    step_key: str
    asset_key: str
    check_name: str
    passed: bool
    severity: str
    created_at: float
    blocking: bool = False
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A named setting kept in the run store: an Airflow Variable or Connection.

    Attributes:
        kind: ``variable`` or ``connection``.
        value: the text as set (a connection's URI or JSON form).
    """

    kind: str
    name: str
    value: str
    description: str | None = None
    updated_at: float = 0.0


class BackfillStatus(StrEnum):
    """Where a backfill stands (Dagster's names)."""

    REQUESTED = "REQUESTED"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"
    COMPLETED_SUCCESS = "COMPLETED_SUCCESS"
    COMPLETED_FAILED = "COMPLETED_FAILED"

    @property
    def finished(self) -> bool:
        return self in (BackfillStatus.CANCELED, BackfillStatus.COMPLETED_SUCCESS, BackfillStatus.COMPLETED_FAILED)


@dataclass(frozen=True, slots=True)
class Backfill:
    """Runs over a range of a job's partitions (``kind`` ``job``) or a DAG's logical dates (``dag``).

    Its runs carry its id as their ``dagster/backfill`` tag; what each key came to is read
    from them.
    """

    backfill_id: str
    kind: str
    target: str
    status: BackfillStatus
    #: the partition keys (or logical dates, ISO) to run, in order
    keys: list[str]
    #: how many of its runs may go at once
    max_concurrent: int
    created_at: float
    #: keys found up to date when it was driven: no run was needed
    skipped: list[str] = field(default_factory=list)
    ended_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: the code location it was started from (``file`` or ``module``), to resume it
    launch: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: the process driving it, to tell whether it is still driven
    pid: int | None = None
    hostname: str | None = None


@dataclass(frozen=True, slots=True)
class DaemonRecord:
    """A daemon process (a run coordinator, a scheduler) and when it last said it was alive.

    ``kind`` is what it does (``daemon``); ``info`` is what it wants others to know (its
    limits, its parts), JSON-able.
    """

    daemon_id: str
    kind: str
    hostname: str
    pid: int
    started_at: float
    heartbeat_at: float
    info: dict[str, Any] = field(default_factory=dict)
