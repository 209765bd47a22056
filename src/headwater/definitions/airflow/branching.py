"""Choosing paths at run time: branches and short-circuits (Airflow's ``SkipMixin`` family).

* :class:`BaseBranchOperator`: ``choose_branch(context)`` returns the task ids to follow
  (one id, a list, or None for none); the task's other direct downstream tasks are skipped.
  A join after the branches takes ``trigger_rule="none_failed_min_one_success"``.
* :class:`BranchPythonOperator` (and ``@task.branch``): a ``python_callable`` chooses.
* :class:`ShortCircuitOperator` (and ``@task.short_circuit``): a falsy result skips what
  is downstream: everything downstream, whatever its trigger rules, when
  ``ignore_downstream_trigger_rules=True`` (the default); else only the direct downstream
  tasks, and the tasks below them decide by their own rules.

The skipping itself is the engine's: the task names the steps to skip (via ``ti``) and the
run loop finishes them as SKIPPED, with the reason, when the task succeeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from headwater.definitions.airflow.exceptions import AirflowException
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.python import PythonOperator

__all__ = ["BaseBranchOperator", "BranchPythonOperator", "ShortCircuitOperator", "skip_tasks"]


def skip_tasks(task: BaseOperator, context: dict[str, Any], task_ids: Iterable[str], reason: str) -> None:
    """Have the engine skip ``task_ids`` (of ``task``'s DAG) when ``task`` succeeds."""
    dag = task.dag
    if dag is None:
        return
    keys = [dag.task_dict[task_id].key for task_id in task_ids]
    context["ti"].skip_later(keys, reason)


def _branch_ids(task: BaseOperator, chosen: str | Iterable[str] | None) -> set[str]:
    if chosen is None:
        return set()
    ids = {chosen} if isinstance(chosen, str) else set(chosen)
    if not all(isinstance(i, str) for i in ids):
        raise AirflowException(f"Branch callable must return task ids (strings) or None, got {chosen!r}")
    dag = task.dag
    known = set(dag.task_dict) if dag is not None else set()
    groups = dag.task_group_roots() if dag is not None else {}
    invalid = sorted(i for i in ids if i not in known and i not in groups)
    if invalid:
        raise AirflowException(f"'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {invalid}")
    expanded: set[str] = set()
    for task_id in ids:  # a task group id stands for the group's first tasks
        expanded.update(groups.get(task_id, {task_id}))
    return expanded


class BaseBranchOperator(BaseOperator):
    """A task that chooses which of its direct downstream tasks run (Airflow's ``BaseBranchOperator``).

    Subclasses implement :meth:`choose_branch`.
    """

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str] | None:
        """The task id (or ids, or None) to follow."""
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch(self, context)")

    def execute(self, context: dict[str, Any]) -> Any:
        chosen = self.choose_branch(context)
        self.skip_all_except(context, chosen)
        return chosen

    def skip_all_except(self, context: dict[str, Any], branch_task_ids: str | Iterable[str] | None) -> None:
        """Skip every direct downstream task that is not chosen (nor downstream of a chosen one).

        Raises:
            AirflowException: a chosen id names no task or task group of the DAG.
        """
        chosen = _branch_ids(self, branch_task_ids)
        following = set(chosen)
        if self.dag is not None:
            for task_id in chosen:
                following |= self.dag.task_dict[task_id].get_flat_relative_ids()
        unchosen = sorted(t for t in self.downstream_task_ids if t not in following)
        self.log.info("Branch %r chose %s; skipping %s", self.task_id, sorted(chosen) or "no branch", unchosen)
        label = ", ".join(repr(t) for t in sorted(chosen)) or "no branch"
        skip_tasks(self, context, unchosen, f"branch {self.task_id!r} chose {label}")


class BranchPythonOperator(PythonOperator, BaseBranchOperator):
    """A branch chosen by ``python_callable`` (Airflow's ``BranchPythonOperator``)."""

    def choose_branch(self, context: dict[str, Any]) -> Any:
        return PythonOperator.execute(self, context)

    execute = BaseBranchOperator.execute  # PythonOperator.execute comes first in the MRO


class ShortCircuitOperator(PythonOperator):
    """Skip what is downstream when ``python_callable`` returns a falsy value.

    Args:
        ignore_downstream_trigger_rules: True (the default) skips every task downstream,
            whatever its trigger rule; False skips the direct downstream tasks only, and
            the tasks below them decide by their own trigger rules.
    """

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: dict[str, Any]) -> Any:
        condition = super().execute(context)
        self.log.info("Condition result is %s", condition)
        if condition:
            self.log.info("Proceeding with downstream tasks...")
            return condition
        downstream = self.get_flat_relative_ids() if self.ignore_downstream_trigger_rules else self.downstream_task_ids
        self.log.info("Skipping downstream tasks %s", sorted(downstream))
        skip_tasks(self, context, sorted(downstream), f"short-circuited by {self.task_id!r} (condition {condition!r})")
        return condition
