"""Every error Headwater raises, in one tree.

::

    HeadwaterError
    ├── DefinitionError            the user's definitions are invalid (CLI exit 2)
    │   ├── CycleError             a dependency cycle, reported as its path
    │   ├── MissingUpstreamError   an input names no known asset or task
    │   ├── DuplicateKeyError      two definitions share a key
    │   ├── InvalidCronError       a cron string or time zone that cannot be parsed or never fires
    │   ├── InvalidNameError       a key, id or name outside the grammar of names (also a ValueError)
    │   ├── CodeLocationError      a file or module that cannot be loaded
    │   └── NotSupportedError      a dialect argument Headwater does not implement (also a TypeError)
    │       └── UnsupportedNameError   a dialect name Headwater does not provide (also an ImportError)
    ├── ConfigError                pyproject.toml or a HEADWATER_* setting is invalid (CLI exit 2)
    ├── RunConfigError             a run's config does not fit its assets' Config classes (CLI exit 2)
    ├── SelectionError             a selection string names nothing known (CLI exit 2)
    ├── PlanError                  a run cannot be planned (CLI exit 2)
    │   └── PartitionKeyError      a partition key (or range) outside its definition
    ├── RunKeyTaken                a run was submitted with a run key already used (CLI exit 2)
    ├── RunClaimLost               a queued run was released before its process could start it
    ├── RunStateError              a run's state does not allow the command: canceling an ended run (CLI exit 2)
    ├── StepError                  one step failed; recorded on the run (CLI exit 1)
    │   ├── UserCodeError          the user's function raised; carries its traceback
    │   ├── TypeMismatchError      an input or output broke its type hint
    │   ├── StepTimeout            a step ran past its timeout
    │   └── WorkerLost             the process running a step died
    ├── RunFailedError             raised by ``materialize`` when a run fails (CLI exit 1)
    └── StorageError               the run store or artifact store failed (CLI exit 3)
        ├── ArtifactCorrupt        a stored artifact is missing, partial or fails its hash check
        ├── ArtifactNotFound       no stored artifact matches the request
        ├── RunNotFound            no run has the given id
        ├── BackfillNotFound       no backfill has the given id
        ├── StoreMigrationNeeded   the run store's schema is older than this version
        └── StoreReadOnly          a run cannot start: this user cannot write the store

Errors raised inside user code are never confused with Headwater's own: the step runner
wraps every call into user code and re-raises as :class:`UserCodeError`, keeping the
original exception as ``__cause__`` and its formatted traceback as ``user_traceback``.

A failed step's outcome says why as a :class:`FailureKind`, which each :class:`StepError`
subclass declares (``StepTimeout.kind is FailureKind.TIMEOUT``); a storage failure while a
step reads its inputs or writes its value is :attr:`FailureKind.STORAGE`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

__all__ = [
    "ArtifactCorrupt",
    "ArtifactNotFound",
    "BackfillNotFound",
    "CodeLocationError",
    "ConfigError",
    "CycleError",
    "DefinitionError",
    "DuplicateKeyError",
    "FailureKind",
    "HeadwaterError",
    "InvalidCronError",
    "InvalidNameError",
    "MissingUpstreamError",
    "NotSupportedError",
    "PartitionKeyError",
    "PlanError",
    "RunConfigError",
    "RunClaimLost",
    "RunFailedError",
    "RunKeyTaken",
    "RunNotFound",
    "RunStateError",
    "SelectionError",
    "StepError",
    "StepTimeout",
    "StorageError",
    "StoreMigrationNeeded",
    "StoreReadOnly",
    "TypeMismatchError",
    "UnsupportedNameError",
    "UserCodeError",
    "WorkerLost",
]


class FailureKind(StrEnum):
    """Why one attempt of a step failed."""

    #: the user's function raised
    USER = "user"
    #: an input or the output broke its type hint
    TYPE = "type"
    #: reading an input or storing the output failed
    STORAGE = "storage"
    #: the step ran past its timeout and was stopped
    TIMEOUT = "timeout"
    #: the process (or Dask worker) running the step died or was shut down
    WORKER_LOST = "worker_lost"


class HeadwaterError(Exception):
    """Base class of every error Headwater raises on purpose."""

    exit_code: int = 2


class DefinitionError(HeadwaterError):
    """The user's definitions are invalid; nothing was run."""


class CycleError(DefinitionError):
    """The dependency graph has a cycle; ``path`` lists it, first key repeated last."""

    def __init__(self, path: list[str]) -> None:
        self.path = path
        super().__init__(f"dependency cycle: {' -> '.join(path)}")


class MissingUpstreamError(DefinitionError):
    """An input or ``deps`` entry names no known asset or task."""


class DuplicateKeyError(DefinitionError):
    """Two definitions share one key."""


class InvalidCronError(DefinitionError):
    """A cron expression or time zone that cannot be parsed or evaluated, or never fires."""


class InvalidNameError(DefinitionError, ValueError):
    """An asset key, task id, DAG id, group, job or schedule name outside the grammar of names.

    It is a ``ValueError`` too, as a bad argument value would be.
    """


class CodeLocationError(DefinitionError):
    """A code location (file or module) cannot be found or imported."""


class ConfigError(HeadwaterError):
    """``pyproject.toml`` or a ``HEADWATER_*`` setting is invalid."""


class NotSupportedError(DefinitionError, TypeError):
    """A Dagster or Airflow argument that Headwater does not implement: refused, never ignored.

    It is a ``TypeError`` too, as an unknown keyword argument would be.
    """


class UnsupportedNameError(NotSupportedError, ImportError):
    """A Dagster or Airflow name that Headwater does not provide yet.

    Raised by ``from headwater import NAME``; it is an ``ImportError`` so code that guards
    optional imports keeps working.
    """


class RunConfigError(HeadwaterError):
    """A run's config is unreadable, names no asset that takes config, or does not validate."""


class SelectionError(HeadwaterError):
    """A selection string is malformed or names nothing known."""


class PlanError(HeadwaterError):
    """A run cannot be planned from the given selection and store."""


class PartitionKeyError(PlanError):
    """A partition key, or a range of them, that its partitions definition does not hold."""


class RunKeyTaken(HeadwaterError):
    """A run was submitted with a run key that another run already has; nothing was queued.

    A run key (a schedule tick's, a backfill partition's) is unique across all runs ever, so
    submitting the same key twice runs it once. ``run_id`` is the run that holds the key.
    """

    def __init__(self, run_key: str, run_id: str) -> None:
        self.run_key = run_key
        self.run_id = run_id
        super().__init__(f"run key {run_key!r} is already used by run {run_id}")


class RunClaimLost(HeadwaterError):
    """A queued run's process found the run no longer claimed for it, and did not start it.

    Its coordinator was presumed dead (or stopped) and the run went back to the queue, where
    another coordinator runs it: starting it here too would run it twice.
    """


class RunStateError(HeadwaterError):
    """A run's state does not allow what was asked (canceling a run that already ended)."""


class StepError(HeadwaterError):
    """One step of a run failed; ``kind`` says why (each subclass sets its own)."""

    exit_code = 1
    kind: ClassVar[FailureKind] = FailureKind.USER

    def __init__(self, message: str, *, step_key: str | None = None) -> None:
        self.step_key = step_key
        super().__init__(message)


class UserCodeError(StepError):
    """The user's function raised; ``user_traceback`` is its formatted traceback."""

    kind = FailureKind.USER

    def __init__(self, message: str, *, step_key: str | None = None, user_traceback: str = "") -> None:
        self.user_traceback = user_traceback
        super().__init__(message, step_key=step_key)


class TypeMismatchError(StepError):
    """An input or output value does not match its type hint."""

    kind = FailureKind.TYPE


class StepTimeout(StepError):
    """A step ran past its ``timeout`` and was stopped."""

    kind = FailureKind.TIMEOUT


class WorkerLost(StepError):
    """The worker process running a step died (killed, crashed, out of memory)."""

    kind = FailureKind.WORKER_LOST


class RunFailedError(HeadwaterError):
    """A run finished with failed steps; ``result`` is the run's result."""

    exit_code = 1

    def __init__(self, message: str, result: object = None) -> None:
        self.result = result
        super().__init__(message)


class StorageError(HeadwaterError):
    """The run store or the artifact store failed."""

    exit_code = 3


class ArtifactCorrupt(StorageError):
    """A stored artifact is missing, truncated, or its bytes no longer hash to its data version.

    Attributes:
        uri: the file.
        asset_key: the asset it stores, when known.
        run_id: the run that stored it, when known.
        reason: what is wrong, in a few words (``missing``, ``size mismatch: ...``,
            ``content hash mismatch``).
    """

    def __init__(
        self,
        message: str,
        *,
        uri: str | None = None,
        asset_key: str | None = None,
        run_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.uri = uri
        self.asset_key = asset_key
        self.run_id = run_id
        self.reason = reason
        super().__init__(message)


class ArtifactNotFound(StorageError):
    """No stored materialization matches the requested asset or version."""


class RunNotFound(StorageError):
    """No run has the requested id."""


class BackfillNotFound(StorageError):
    """No backfill has the given id."""


class StoreMigrationNeeded(StorageError):
    """The run store's schema is older than this Headwater and must be upgraded."""


class StoreReadOnly(StorageError):
    """The run store can be read but not written here (a read-only folder or mount)."""
