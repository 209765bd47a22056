"""Sensors: tasks that wait for a condition (Airflow's ``BaseSensorOperator`` family).

A sensor calls :meth:`BaseSensorOperator.poke` every ``poke_interval`` seconds until it
returns True (or a :class:`PokeReturnValue` that is done, whose ``xcom_value`` becomes the
task's return value). Past ``timeout`` seconds it fails with ``AirflowSensorTimeout``, which
is not retried, or ends *skipped* when ``soft_fail=True``. ``exponential_backoff=True``
doubles the wait after each poke, up to ``max_wait``.

With ``mode="reschedule"`` the sensor pokes once per run of its step: when the condition does
not hold it raises ``AirflowRescheduleException``, its step leaves the executor (the slot is
free for other tasks) and the run loop runs it again ``poke_interval`` later, as Airflow's
scheduler does; the same attempt goes on (no retry is used), ``timeout`` counts from the
sensor's first start, ``exponential_backoff`` grows the wait with the number of reschedules
(``task_reschedule_count``). There is no scheduler between runs: the run itself waits.

* :class:`PythonSensor`: ``python_callable`` is the condition (``@task.sensor`` too);
* :class:`FileSensor`: a file (or a glob pattern) exists;
* :class:`TimeDeltaSensor`: ``delta`` has passed since the end of the run's data interval.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from headwater.definitions.airflow.exceptions import (
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
)
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.python import determine_kwargs
from headwater.definitions.airflow.schedule import seconds
from headwater.errors import DefinitionError

__all__ = ["BaseSensorOperator", "FileSensor", "PokeReturnValue", "PythonSensor", "TimeDeltaSensor"]

_MODES = ("poke", "reschedule")


@dataclass(frozen=True)
class PokeReturnValue:
    """What a poke may return instead of a bool: whether it is done, and the value to push."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return self.is_done


class BaseSensorOperator(BaseOperator):
    """A task that waits until :meth:`poke` says its condition holds.

    Args:
        poke_interval: seconds (or a timedelta) between pokes.
        timeout: seconds (or a timedelta) before the sensor gives up.
        soft_fail: on timeout, end skipped instead of failed.
        mode: ``"poke"`` (wait inside the step) or ``"reschedule"`` (release the slot between pokes).
        exponential_backoff: double the wait after each poke.
        max_wait: the longest wait between pokes with ``exponential_backoff``.
        silent_fail: treat an error raised by ``poke`` as "not yet" (logged) instead of failing.

    Raises:
        DefinitionError: an unknown mode, or a negative interval or timeout.
    """

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        poke_interval: float | timedelta = 60,
        timeout: float | timedelta = 60 * 60 * 24 * 7,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: float | timedelta | None = None,
        silent_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"sensor {self.task_id!r}"
        if mode not in _MODES:
            raise DefinitionError(f"{where}: mode must be one of {_MODES}; received {mode!r}")
        self.poke_interval = _non_negative(poke_interval, f"{where}: poke_interval")
        self.timeout = _non_negative(timeout, f"{where}: timeout")
        self.max_wait = None if max_wait is None else _non_negative(max_wait, f"{where}: max_wait")
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.silent_fail = silent_fail

    def poke(self, context: dict[str, Any]) -> bool | PokeReturnValue:
        """Whether the condition holds now; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement poke(self, context)")

    def execute(self, context: dict[str, Any]) -> Any:
        if self.mode == "reschedule":
            return self._poke_and_reschedule(context)
        started = time.monotonic()
        wait = self.poke_interval
        pokes = 0
        while True:
            pokes += 1
            result = self._poke_once(context)
            if result:
                self.log.info("Success criteria met after %d poke(s). Exiting.", pokes)
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            elapsed = time.monotonic() - started
            self._check_timeout(elapsed)
            self.log.info("Condition not met (poke %d); waiting %.1f s", pokes, wait)
            time.sleep(max(0.0, min(wait, self.timeout - elapsed)))
            if self.exponential_backoff:
                wait = min(wait * 2 or 1.0, self.max_wait if self.max_wait is not None else float("inf"))

    def _poke_and_reschedule(self, context: dict[str, Any]) -> Any:
        """``mode="reschedule"``: one poke; when not done, ask to run again later (slot released)."""
        result = self._poke_once(context)
        if result:
            self.log.info("Success criteria met. Exiting.")
            return result.xcom_value if isinstance(result, PokeReturnValue) else None
        elapsed = (datetime.now(UTC) - context["ti"].start_date).total_seconds()
        self._check_timeout(elapsed)
        count = int(context.get("task_reschedule_count") or 0)
        wait = self.poke_interval
        if self.exponential_backoff:
            wait = min(wait * 2**count or 1.0, self.max_wait if self.max_wait is not None else float("inf"))
        wait = max(0.0, min(wait, self.timeout - elapsed))
        self.log.info("Condition not met (poke %d); rescheduling in %.1f s", count + 1, wait)
        raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=wait))

    def _check_timeout(self, elapsed: float) -> None:
        """Fail (or skip, with ``soft_fail``) once the sensor has waited ``timeout`` seconds."""
        if elapsed >= self.timeout:
            message = (
                f"Sensor has timed out; run duration of {elapsed:.1f} seconds exceeds the specified timeout "
                f"of {self.timeout:g}."
            )
            if self.soft_fail:
                raise AirflowSkipException(message)
            raise AirflowSensorTimeout(message)

    def _poke_once(self, context: dict[str, Any]) -> bool | PokeReturnValue:
        try:
            return self.poke(context)
        except (AirflowSkipException, AirflowSensorTimeout, AirflowRescheduleException):
            raise
        except Exception:
            if not self.silent_fail:
                raise
            self.log.exception("poke failed; silent_fail=True, so it counts as not yet")
            return False


def _non_negative(value: float | timedelta, what: str) -> float:
    number = seconds(value, what=what)
    if number is None or number < 0:
        raise DefinitionError(f"{what} must be a number of seconds >= 0 (or a timedelta), not {value!r}")
    return number


class PythonSensor(BaseSensorOperator):
    """Wait until ``python_callable`` returns a truthy value (or a done ``PokeReturnValue``)."""

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise DefinitionError(f"sensor {kwargs.get('task_id')!r}: `python_callable` param must be callable")
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict

    def poke(self, context: dict[str, Any]) -> bool | PokeReturnValue:
        context["templates_dict"] = self.templates_dict
        merged = {**context, **self.op_kwargs}
        result = self.python_callable(*self.op_args, **determine_kwargs(self.python_callable, self.op_args, merged))
        return result if isinstance(result, PokeReturnValue) else bool(result)


class FileSensor(BaseSensorOperator):
    """Wait until ``filepath`` (a path or glob pattern, templated) exists.

    Args:
        filepath: the file or folder; a relative path is relative to the working directory.
        fs_conn_id: only the default ``"fs_default"`` (no base path) is supported.
        recursive: let ``**`` in the pattern match folders at any depth.
    """

    template_fields: Sequence[str] = ("filepath",)
    ui_color = "#91818a"

    def __init__(self, *, filepath: str, fs_conn_id: str = "fs_default", recursive: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if fs_conn_id != "fs_default":
            raise DefinitionError(
                f"sensor {self.task_id!r}: fs_conn_id={fs_conn_id!r} is not supported yet; give the full path "
                "in filepath (fs_conn_id='fs_default')"
            )
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive

    def poke(self, context: dict[str, Any]) -> bool:
        self.log.info("Poking for file %s", self.filepath)
        for path in glob.glob(self.filepath, recursive=self.recursive):
            if os.path.isfile(path) or os.path.isdir(path):
                return True
        return False


class TimeDeltaSensor(BaseSensorOperator):
    """Wait until ``delta`` after the end of the run's data interval."""

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(delta, timedelta):
            raise DefinitionError(f"sensor {self.task_id!r}: delta must be a timedelta, not {delta!r}")
        self.delta = delta

    def poke(self, context: dict[str, Any]) -> bool:
        target = context["data_interval_end"] + self.delta
        self.log.info("Checking if the time (%s) has come", target)
        return datetime.now(UTC) > target
