"""Airflow's exceptions that change how a task ends (``airflow.exceptions``).

* ``AirflowSkipException``: the task ends *skipped*; its downstream tasks decide by their
  trigger rules.
* ``AirflowFailException``: the task fails at once, without its retries.
* ``AirflowException``: their base; raising it fails the task like any other exception.
* ``AirflowSensorTimeout``: a sensor ran past its ``timeout`` (fails without retries).
* ``AirflowRescheduleException``: the task is not done; it runs again at ``reschedule_date``
  without holding an executor slot meanwhile (a sensor in ``mode="reschedule"`` raises it).
"""

from __future__ import annotations

from datetime import UTC, datetime

from headwater.definitions.signals import FailStep, RescheduleStep, SkipStep

__all__ = [
    "AirflowException", "AirflowFailException", "AirflowRescheduleException", "AirflowSensorTimeout",
    "AirflowSkipException",
]


class AirflowException(Exception):
    """Base class of Airflow's exceptions."""


class AirflowSkipException(AirflowException, SkipStep):
    """Raise inside a task to mark it skipped."""


class AirflowFailException(AirflowException, FailStep):
    """Raise inside a task to fail it without retrying."""


class AirflowSensorTimeout(AirflowException, FailStep):
    """A sensor did not succeed within its ``timeout``."""


class AirflowRescheduleException(AirflowException, RescheduleStep):
    """Raise inside a task to run it again at ``reschedule_date`` (Airflow's signature)."""

    def __init__(self, reschedule_date: datetime) -> None:
        when = reschedule_date if reschedule_date.tzinfo is not None else reschedule_date.replace(tzinfo=UTC)
        RescheduleStep.__init__(self, (when - datetime.now(UTC)).total_seconds(), f"Task is rescheduled to {when.isoformat()}")
        self.reschedule_date = reschedule_date
