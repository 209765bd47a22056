"""What is running right now: the steps of started runs, for showing assets as running."""

from __future__ import annotations

from typing import TYPE_CHECKING

from headwater.storage.records import RunStatus, StepStatus

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["running_steps"]

#: started runs looked at (the newest); more at once is not a development server's case
MAX_RUNS = 50


def running_steps(instance: Instance) -> dict[str, str]:
    """Step key -> the id of the run it is running in, over the started runs."""
    from headwater.services.runs import RunQuery, list_runs

    running: dict[str, str] = {}
    for run in list_runs(instance, RunQuery(statuses=(RunStatus.STARTED,)), limit=MAX_RUNS).runs:
        for step in instance.store.get_steps(run.run_id):
            if step.status is StepStatus.RUNNING:
                running.setdefault(step.step_key, run.run_id)
    return running
