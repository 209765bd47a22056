"""A DAG's own callbacks: ``on_success_callback`` and ``on_failure_callback``, once its run ends.

As in Airflow, a DAG run fails when one of its tasks failed (or could not run because an
upstream task failed); its ``on_failure_callback`` then gets the context of the first such
task, with ``context["reason"] == "task_failure"``; otherwise ``on_success_callback`` gets the
context of the run's last task, with ``reason == "success"``. A callback (or each of a list) is
called in the process that ran the run; one that raises is logged with that task, never fatal.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from headwater.definitions.airflow.operators import BaseOperator
from headwater.execution.airflow.context import airflow_context
from headwater.execution.context import StepContext
from headwater.execution.recorder import RunRecorder
from headwater.planning.plan import Plan
from headwater.storage.base import ArtifactStore
from headwater.storage.records import StepRecord, StepStatus

__all__ = ["run_dag_callbacks"]

_FAILED = (StepStatus.FAILURE, StepStatus.UPSTREAM_FAILED)


def run_dag_callbacks(
    plan: Plan, records: Mapping[str, StepRecord], recorder: RunRecorder, artifacts: ArtifactStore,
    run_tags: Mapping[str, str],
) -> None:
    """Call the callbacks of each DAG whose tasks this run ran, for how its run ended."""
    by_dag: dict[int, list[tuple[str, BaseOperator]]] = {}
    for key, step in plan.steps.items():
        if step.node.kind == "task" and key in records:
            operator: BaseOperator = step.node.fn.operator  # type: ignore[attr-defined]
            if operator.dag is not None:
                by_dag.setdefault(id(operator.dag), []).append((key, operator))
    for tasks in by_dag.values():
        dag = tasks[0][1].dag
        assert dag is not None
        failed = [(key, op) for key, op in tasks if records[key].status in _FAILED]
        callbacks = dag.on_failure_callback if failed else dag.on_success_callback
        if not callbacks:
            continue
        key, operator = failed[0] if failed else tasks[-1]
        step_context = StepContext(
            recorder.run_id, key, max(records[key].attempts, 1), artifacts=artifacts, run_tags=run_tags
        )
        context: dict[str, Any] = airflow_context(operator, step_context)
        context["reason"] = "task_failure" if failed else "success"
        for callback in callbacks if isinstance(callbacks, list | tuple) else [callbacks]:
            try:
                callback(context)
            except Exception:
                name = getattr(callback, "__name__", repr(callback))
                message = f"DAG {dag.dag_id!r} callback {name} failed:\n{traceback.format_exc()}"
                recorder.sink_for(key)("log", message, "ERROR")
