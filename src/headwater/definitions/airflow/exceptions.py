"""Airflow's exceptions that change how a task ends (``airflow.exceptions``).

* ``AirflowSkipException``: the task ends *skipped*; its downstream tasks decide by their
  trigger rules.
* ``AirflowFailException``: the task fails at once, without its retries.
* ``AirflowException``: their base; raising it fails the task like any other exception.
* ``AirflowSensorTimeout``: a sensor ran past its ``timeout`` (fails without retries).
"""

from __future__ import annotations

from headwater.definitions.signals import FailStep, SkipStep

__all__ = ["AirflowException", "AirflowFailException", "AirflowSensorTimeout", "AirflowSkipException"]


class AirflowException(Exception):
    """Base class of Airflow's exceptions."""


class AirflowSkipException(AirflowException, SkipStep):
    """Raise inside a task to mark it skipped."""


class AirflowFailException(AirflowException, FailStep):
    """Raise inside a task to fail it without retrying."""


class AirflowSensorTimeout(AirflowException, FailStep):
    """A sensor did not succeed within its ``timeout``."""
