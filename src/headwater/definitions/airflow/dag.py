"""``DAG``: a named set of tasks with an order, a schedule and defaults for its tasks.

A DAG compiles to the engine's own terms (:meth:`DAG.__headwater_definitions__`)::

    with DAG("etl", schedule="@daily") as dag:        # tasks etl.extract, etl.load
        extract = PythonOperator(task_id="extract", python_callable=...)
        load = PythonOperator(task_id="load", python_callable=...)
        extract >> load

* each task is a node keyed ``"<dag_id>.<task_id>"`` (so two DAGs may share task ids),
  in group ``<dag_id>``, tagged with the DAG's tags;
* one job named ``dag_id`` selects exactly those nodes;
* a schedule ``<dag_id>_schedule`` when the DAG has one (paused until turned on, as Airflow
  pauses new DAGs, unless ``is_paused_upon_creation=False``).

Collecting DAGs
---------------
A code location collects what its module defines at top level. A DAG assigned to a name is
found that way; one that is not (``my_dag()`` of a TaskFlow ``@dag`` function, as Airflow
users write it) is found because every DAG, when created, adds itself to the
``__headwater_dags__`` registry of the module being executed: the innermost module-level
frame on the stack, which is the DAG file even when a helper function in another module
builds the DAG. Compiled nodes are cached per DAG, so a DAG reached both ways is one set
of nodes.
"""

from __future__ import annotations

import graphlib
import sys
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import Any

from headwater.definitions.airflow.arguments import DAG_RECORDED, DAG_UNSUPPORTED, refuse_unsupported
from headwater.definitions.airflow.protocols import Task
from headwater.definitions.airflow.schedule import DagSchedule, cron_for, timezone_name
from headwater.definitions.jobs import AssetJob, DefaultScheduleStatus, Definitions
from headwater.definitions.dags import DagSummary
from headwater.definitions.names import check_name
from headwater.errors import CycleError, DefinitionError, DuplicateKeyError


__all__ = ["DAG", "DagCycleError", "current_dag", "days_ago", "user_site"]

REGISTRY_NAME = "__headwater_dags__"
_OWN_MODULES = ("headwater.definitions.airflow", "headwater.airflow")
_NOT_SET: Any = object()
#: DAG keywords taken through ``**kwargs``: implemented ones, and those of :mod:`.arguments`
_EXTRA_IMPLEMENTED = frozenset({
    "template_searchpath", "user_defined_macros", "user_defined_filters", "on_failure_callback", "on_success_callback",
})
_KEYWORDS = _EXTRA_IMPLEMENTED | set(DAG_RECORDED) | set(DAG_UNSUPPORTED)

_stack: ContextVar[tuple[DAG, ...]] = ContextVar("headwater_dag_stack", default=())


def current_dag() -> DAG | None:
    """The DAG of the innermost ``with DAG(...)`` block (or ``@dag`` function) being run."""
    stack = _stack.get()
    return stack[-1] if stack else None


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """Midnight UTC ``n`` days ago (at ``hour:minute``), as Airflow's ``days_ago``."""
    today = datetime.now(UTC).replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)


class DagCycleError(CycleError):
    """The ``>>`` relations of a DAG form a cycle; ``path`` lists its task ids."""

    def __init__(self, dag_id: str, path: list[str]) -> None:
        self.path = path
        DefinitionError.__init__(self, f"DAG {dag_id!r} has a dependency cycle: {' >> '.join(path)}")


class DAG:
    """A DAG of tasks (Airflow's ``DAG``), used as a context manager or passed as ``dag=``.

    Args:
        dag_id: the DAG's name; also its job's name (``headwater dags test DAG_ID``).
        description: shown by ``headwater jobs list``.
        schedule: a cron string, a preset (``@daily``), ``@once``, None or a timedelta.
        schedule_interval: Airflow 2's older name for ``schedule``.
        start_date: the first date of the schedule; its time zone is the schedule's.
        end_date: refused (not supported yet) unless None.
        default_args: arguments every task of the DAG takes unless it sets them itself
            (``owner``, ``retries``, ``retry_delay``, ``execution_timeout``, ...).
        catchup: kept on the DAG; whether missed ticks run is the schedule's catch-up policy.
        tags: labels; the DAG's tasks are tagged with them (``--select tag:ml``).
        params: default run parameters, the ``params`` of every task's context.
        doc_md, render_template_as_native_obj, is_paused_upon_creation: as in Airflow.
        on_success_callback, on_failure_callback: called (a function, or each of a list) with
            a task's context and ``context["reason"]`` when the DAG's run succeeds or fails
            (see :mod:`headwater.execution.airflow.callbacks`).
        max_active_runs, max_active_tasks: kept, with no effect (see :mod:`.arguments`).
        dagrun_timeout: refused (not supported yet) unless None.

    Other keywords are those of :mod:`.arguments`: recorded, or refused unless left at
    their default.
    """

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = _NOT_SET,
        schedule_interval: Any = _NOT_SET,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        default_args: dict[str, Any] | None = None,
        catchup: bool = False,
        tags: list[str] | None = None,
        params: dict[str, Any] | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        dagrun_timeout: timedelta | None = None,
        doc_md: str | None = None,
        render_template_as_native_obj: bool = False,
        is_paused_upon_creation: bool | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _KEYWORDS
        if unknown:
            raise TypeError(f"DAG() got unexpected keyword arguments {sorted(unknown)}")
        check_name(dag_id, "dag_id", where=user_site())
        named = {"end_date": end_date, "dagrun_timeout": dagrun_timeout}
        refuse_unsupported(f"DAG {dag_id!r}", {**kwargs, **named}, DAG_UNSUPPORTED)
        if schedule is not _NOT_SET and schedule_interval is not _NOT_SET:
            raise DefinitionError(f"DAG {dag_id!r}: give schedule or schedule_interval, not both")
        if schedule_interval is not _NOT_SET:
            warnings.warn(
                f"DAG {dag_id!r}: schedule_interval is deprecated; use schedule (it means the same here)",
                DeprecationWarning,
                stacklevel=2,
            )
        self.dag_id = dag_id
        self.description = description
        self.schedule = None if schedule is _NOT_SET and schedule_interval is _NOT_SET else (
            schedule if schedule is not _NOT_SET else schedule_interval
        )
        self.schedule_interval = self.schedule
        self.default_args: dict[str, Any] = dict(default_args or {})
        self.start_date = start_date if start_date is not None else self.default_args.get("start_date")
        self.end_date = end_date if end_date is not None else self.default_args.get("end_date")
        self.catchup = catchup
        self.tags = list(tags or [])
        self.params: dict[str, Any] = dict(params or {})
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks
        self.dagrun_timeout = dagrun_timeout
        self.doc_md = doc_md
        self.render_template_as_native_obj = render_template_as_native_obj
        self.is_paused_upon_creation = is_paused_upon_creation
        self.extra_kwargs = dict(kwargs)
        self.on_success_callback = kwargs.get("on_success_callback")
        self.on_failure_callback = kwargs.get("on_failure_callback")
        self.task_dict: dict[str, Task] = {}
        #: group id -> TaskGroup (see :mod:`.task_group`)
        self.task_groups: dict[str, Any] = {}
        #: (upstream task id, downstream task id) -> the edge's ``Label`` text
        self.edge_labels: dict[tuple[str, str], str] = {}
        self.fileloc = _caller_file()
        self._cron = cron_for(self.schedule, self.start_date, where=f"DAG {dag_id!r}")
        self._tokens: list[Any] = []
        self._compiled: tuple[int, Definitions] | None = None
        self._version = 0
        _register(self)

    # -- building ----------------------------------------------------------------------

    def __enter__(self) -> DAG:
        self._tokens.append(_stack.set((*_stack.get(), self)))
        return self

    def __exit__(self, *exc: object) -> None:
        _stack.reset(self._tokens.pop())

    def add_task(self, task: Task) -> None:
        """Add ``task``; its ``task_id`` must be new to this DAG.

        Raises:
            DuplicateKeyError: another task of this DAG has that id (naming both sites).
        """
        seen = self.task_dict.get(task.task_id)
        if seen is not None and seen is not task:
            raise DuplicateKeyError(
                f"DAG {self.dag_id!r}: task_id {task.task_id!r} is defined twice: "
                f"at {seen.defined_at} and at {task.defined_at}"
            )
        if task.task_id in self.task_groups:
            raise DuplicateKeyError(f"DAG {self.dag_id!r}: task_id {task.task_id!r} is also a task group's id")
        self.task_dict[task.task_id] = task
        self.touch()

    def add_tasks(self, tasks: list[Task]) -> None:
        for task in tasks:
            task.dag = self

    def touch(self) -> None:
        """Forget the compiled nodes: a task or a relation changed."""
        self._version += 1

    @property
    def tasks(self) -> list[Task]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    def get_task(self, task_id: str) -> Task:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise KeyError(f"DAG {self.dag_id!r} has no task {task_id!r}") from None

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    @property
    def roots(self) -> list[Task]:
        return [t for t in self.tasks if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[Task]:
        return [t for t in self.tasks if not t.downstream_task_ids]

    def resolved_params(self) -> dict[str, Any]:
        return {name: getattr(value, "value", value) for name, value in self.params.items()}

    def topological_task_ids(self) -> list[str]:
        """Task ids, upstream before downstream.

        Raises:
            DagCycleError: the tasks' relations form a cycle (its path in task ids).
        """
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for task in self.tasks:
            sorter.add(task.task_id, *task.upstream_task_ids)
        try:
            return list(sorter.static_order())
        except graphlib.CycleError as exc:
            cycle = list(exc.args[1][:-1])
            first = min(cycle, key=list(self.task_dict).index)  # start at the first-defined task
            start = cycle.index(first)
            path = cycle[start:] + cycle[:start] + [first]
            raise DagCycleError(self.dag_id, path) from None

    def task_group_roots(self) -> dict[str, set[str]]:
        """Task group id -> the ids of the group's first tasks (those with no upstream inside it)."""
        members: dict[str, set[str]] = {}
        for task in self.tasks:
            for group_id in task.group_ids():
                members.setdefault(group_id, set()).add(task.task_id)
        return {
            group_id: {t for t in ids if not (self.task_dict[t].upstream_task_ids & ids)}
            for group_id, ids in members.items()
        }

    def template_folders(self) -> tuple[str, ...]:
        """Where template files are looked up: the DAG file's folder, then ``template_searchpath``."""
        extra = self.extra_kwargs.get("template_searchpath") or ()
        folders = [extra] if isinstance(extra, str) else list(extra)
        here = [] if self.fileloc.startswith("<") else [str(Path(self.fileloc).parent)]
        return tuple(dict.fromkeys([*here, *map(str, folders)]))

    def test(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"dag.test() is not available; run `headwater dags test {self.dag_id} -f {self.fileloc}` instead"
        )

    # -- compiling ---------------------------------------------------------------------

    @property
    def timezone(self) -> str:
        return timezone_name(self.start_date)

    @property
    def cron(self) -> str | None:
        """The schedule as a cron (or ``@every``) string; None when only triggered."""
        return self._cron

    def __headwater_definitions__(self) -> Definitions:
        """The DAG's task nodes, its job and its schedule (cached until a task changes)."""
        for task in self.tasks:
            task.link_references()
        if self._compiled is not None and self._compiled[0] == self._version:
            return self._compiled[1]
        order = self.topological_task_ids()
        nodes = [self.task_dict[task_id].to_node() for task_id in order]
        job = AssetJob(
            name=self.dag_id,
            selection=tuple(node.key for node in nodes),
            description=self.description or _first_line(self.doc_md) or f"Airflow DAG {self.dag_id}",
            tags=MappingProxyType({"dag_id": self.dag_id}),
        )
        schedules = []
        if self._cron is not None:
            running = self.is_paused_upon_creation is False
            schedules.append(
                DagSchedule(
                    f"{self.dag_id}_schedule",
                    dag_id=self.dag_id,
                    start_date=self.start_date,
                    catchup=self.catchup,
                    max_active_runs=self.max_active_runs,
                    cron_schedule=self._cron,
                    job=job,
                    execution_timezone=self.timezone,
                    default_status=DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED,
                    description=f"schedule of DAG {self.dag_id} ({self.schedule!r})",
                    tags={"dag_id": self.dag_id, "schedule": str(self.schedule)},
                )
            )
        definitions = Definitions(assets=nodes, jobs=[job], schedules=schedules)
        self._compiled = (self._version, definitions)
        return definitions

    def __headwater_dag_summaries__(self) -> tuple[DagSummary]:
        """This DAG as a code location lists it (see :mod:`headwater.definitions.dags`)."""
        job = self.__headwater_definitions__().jobs[0]
        return (
            DagSummary(
                dag_id=self.dag_id,
                task_keys=tuple(str(key) for key in job.selection) if isinstance(job.selection, tuple) else (),
                schedule=None if self.schedule is None else str(self.schedule),
                tags=tuple(self.tags),
                description=job.description,
                fileloc=self.fileloc,
            ),
        )

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


def _first_line(text: str | None) -> str | None:
    if not text:
        return None
    lines = [line.strip(" #") for line in text.strip().splitlines() if line.strip(" #")]
    return lines[0] if lines else None


class _DagRegistry:
    """The DAGs created while a module ran (its ``__headwater_dags__``); collected with it."""

    def __init__(self) -> None:
        self.dags: list[DAG] = []

    def __iter__(self) -> Iterator[DAG]:
        return iter(self.dags)

    def __headwater_definitions__(self) -> Definitions:
        collected = [dag.__headwater_definitions__() for dag in self.dags]
        return Definitions(
            assets=[node for d in collected for node in d.assets],
            jobs=[job for d in collected for job in d.jobs],
            schedules=[schedule for d in collected for schedule in d.schedules],
        )

    def __headwater_dag_summaries__(self) -> list[DagSummary]:
        return [summary for dag in self.dags for summary in dag.__headwater_dag_summaries__()]

    def __repr__(self) -> str:
        return f"<DAGs {[dag.dag_id for dag in self.dags]}>"


def _is_own(frame: Any) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith(_OWN_MODULES)


def _register(dag: DAG) -> None:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and not _is_own(frame):
            registry = frame.f_globals.get(REGISTRY_NAME)
            if not isinstance(registry, _DagRegistry):
                registry = frame.f_globals[REGISTRY_NAME] = _DagRegistry()
            if all(existing is not dag for existing in registry.dags):
                registry.dags.append(dag)
            return
        frame = frame.f_back


def _user_frame() -> FrameType | None:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and _is_own(frame):
        frame = frame.f_back
    return frame


def _caller_file() -> str:
    frame = _user_frame()
    return frame.f_code.co_filename if frame is not None else "<unknown>"


def user_site() -> str:
    """``file:line`` of the user's code that is calling into this package."""
    frame = _user_frame()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<unknown>"
