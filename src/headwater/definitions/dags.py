"""What a code location says about its Airflow-dialect DAGs, kept when it loads.

A DAG compiles to nodes, one job and maybe a schedule (see
:mod:`headwater.definitions.airflow.dag`); :class:`DagSummary` keeps the DAG itself
(its id, tasks, schedule as written, tags), so listings need not guess DAGs from job tags.
An object offering DAGs implements ``__headwater_dag_summaries__() -> Iterable[DagSummary]``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DAGS_HOOK", "DagSummary"]

#: the method of an object (a DAG, a module's registry of DAGs) that lists its DAGs
DAGS_HOOK = "__headwater_dag_summaries__"


@dataclass(frozen=True, slots=True)
class DagSummary:
    """One DAG of a code location.

    Attributes:
        dag_id: its id; also its job's name.
        task_keys: its tasks' node keys (``<dag_id>.<task_id>``) in dependency order.
        schedule: its schedule as written (``"0 6 * * *"``, ``"@daily"``, a timedelta's
            text); None when it is only triggered.
        tags: its tags.
        description: its description (or its doc's first line).
        fileloc: the file that defined it.
    """

    dag_id: str
    task_keys: tuple[str, ...]
    schedule: str | None
    tags: tuple[str, ...]
    description: str | None
    fileloc: str
