"""Exceptions a step raises to say how it ended, when that is not "succeeded" or "failed".

They are signals, not errors: the step runner catches them at the boundary around user code
and reports the step's state, which the run loop then applies like any other.

* :class:`SkipStep`: the step ends *skipped* (not failed); its downstream nodes decide by
  their trigger rules (``all_success`` skips too, ``none_failed`` runs). Airflow's
  ``AirflowSkipException`` is one.
* :class:`FailStep`: the step fails at once, without the retries it would otherwise get.
  Airflow's ``AirflowFailException`` is one.
* :class:`RescheduleStep`: the step is not done and asks to run again after ``delay``
  seconds, without holding an executor slot meanwhile and without using a retry (a sensor
  in ``mode="reschedule"``; Airflow's ``AirflowRescheduleException`` is one).
"""

from __future__ import annotations

__all__ = ["FailStep", "RescheduleStep", "SkipStep"]


class SkipStep(Exception):
    """Raise inside a step to end it as skipped; the message is recorded as the reason."""


class FailStep(Exception):
    """Raise inside a step to fail it without retrying."""


class RescheduleStep(Exception):
    """Raise inside a step to run it again in ``delay`` seconds (same attempt, slot released)."""

    def __init__(self, delay: float, message: str = "") -> None:
        super().__init__(message or f"up for reschedule in {delay:g} s")
        self.delay = max(0.0, float(delay))
