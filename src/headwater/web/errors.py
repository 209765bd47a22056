"""Which HTTP status each of Headwater's errors is, for pages and the API alike."""

from __future__ import annotations

from headwater.errors import (
    ArtifactNotFound,
    BackfillNotFound,
    CodeLocationError,
    ConfigError,
    DefinitionError,
    HeadwaterError,
    PlanError,
    RunConfigError,
    RunNotFound,
    RunStateError,
    SelectionError,
    StoreReadOnly,
)
from headwater.services.schedules import UnknownScheduleError

__all__ = ["status_and_message"]

_STATUS: tuple[tuple[type[HeadwaterError], int], ...] = (
    (RunNotFound, 404),
    (BackfillNotFound, 404),
    (UnknownScheduleError, 404),
    (ArtifactNotFound, 404),
    (StoreReadOnly, 409),
    (RunStateError, 409),  # a run that already ended cannot be canceled
    (CodeLocationError, 503),  # the server is up; the user's code is not loadable right now
    (RunConfigError, 400),
    (SelectionError, 400),
    (PlanError, 400),
    (DefinitionError, 400),
    (ConfigError, 400),
)


def status_and_message(exc: HeadwaterError) -> tuple[int, str]:
    """The status and the message to show for ``exc``: its own words, never a traceback."""
    message = str(exc) or type(exc).__name__
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status, message
    return 500, message
