"""Watching a run as it happens: the observer protocol, and the default echo.

The run loop calls an observer as steps start and finish and as they print. The CLI's
observer draws progress; :class:`EchoObserver` (used by ``materialize`` when no observer is
given) writes each captured line to the terminal prefixed by its step, as users of both
Airflow and Dagster expect to see their ``print`` output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Protocol

from headwater.storage.records import StepRecord

__all__ = ["EchoObserver", "NullObserver", "RunObserver"]


class RunObserver(Protocol):
    """Receives a run's progress. Calls may come from worker threads for ``step_output``."""

    def run_started(self, run_id: str, step_keys: Sequence[str]) -> None: ...

    def step_started(self, step_key: str, attempt: int) -> None: ...

    def step_finished(self, record: StepRecord) -> None: ...

    def step_output(self, step_key: str, stream: str, text: str) -> None: ...

    def run_finished(self, result: Any) -> None: ...


class NullObserver:
    """Shows nothing."""

    def run_started(self, run_id: str, step_keys: Sequence[str]) -> None:
        return None

    def step_started(self, step_key: str, attempt: int) -> None:
        return None

    def step_finished(self, record: StepRecord) -> None:
        return None

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        return None

    def run_finished(self, result: Any) -> None:
        return None


class EchoObserver(NullObserver):
    """Writes every line a step prints or logs to stdout (stderr lines to stderr), prefixed."""

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        target = sys.stderr if stream == "stderr" else sys.stdout
        target.write(f"[{step_key}] {text}\n")
