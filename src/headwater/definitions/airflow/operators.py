"""``BaseOperator``, the task every operator is; ``>>``, ``chain``.

An operator is a task of a DAG. It compiles to one engine node (:meth:`BaseOperator.to_node`)
whose function is a :class:`TaskEntry`: the engine hands it to
:func:`headwater.execution.airflow.task.run_task`, which builds the Airflow context, renders
the templated fields on a copy of the operator, calls ``execute(context)`` with the callbacks
around it, and returns what ``execute`` returned (stored as the ``return_value`` XCom). This
module only declares; nothing here runs a task.

Arguments resolve as in Airflow: an explicit argument, else the DAG's ``default_args``,
else Airflow's default (``owner="airflow"``, ``retries=0``, ``retry_delay=5 minutes``).
Tasks never reuse a stored result (``cache=False``): like Airflow tasks, they run every time.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from headwater.definitions.airflow.arguments import OPERATOR_UNSUPPORTED, refuse_unsupported
from headwater.definitions.airflow.dag import DAG, current_dag, user_site
from headwater.definitions.airflow.mapping import MappedArgs, OperatorPartial
from headwater.definitions.airflow.protocols import Task
from headwater.definitions.airflow.relations import DependencyMixin, relation_ends
from headwater.definitions.airflow.schedule import seconds
from headwater.definitions.airflow.task_group import Label, TaskGroup, current_group, mapped_group_of
from headwater.definitions.airflow.xcomarg import XComArg, find_refs
from headwater.definitions.jobs import Definitions
from headwater.definitions.names import check_name
from headwater.definitions.node import Node, NodeOptions, RetryPolicy
from headwater.definitions.trigger_rules import TriggerRule, trigger_rule
from headwater.errors import DefinitionError

__all__ = ["BaseOperator", "TaskEntry", "chain", "cross_downstream"]

#: every BaseOperator argument, with Airflow's default; ``default_args`` may set any of them
BASE_DEFAULTS: dict[str, Any] = {
    "owner": "airflow", "email": None, "email_on_retry": True, "email_on_failure": True,
    "retries": 0, "retry_delay": timedelta(seconds=300), "retry_exponential_backoff": False,
    "max_retry_delay": None, "start_date": None, "end_date": None, "depends_on_past": False,
    "ignore_first_depends_on_past": True, "wait_for_past_depends_before_skipping": False,
    "wait_for_downstream": False, "params": None, "priority_weight": 1, "weight_rule": "downstream",
    "queue": "default", "pool": None, "pool_slots": 1, "sla": None, "execution_timeout": None,
    "on_execute_callback": None, "on_failure_callback": None, "on_success_callback": None,
    "on_retry_callback": None, "on_skipped_callback": None, "pre_execute": None, "post_execute": None,
    "trigger_rule": "all_success", "resources": None, "run_as_user": None, "task_concurrency": None,
    "map_index_template": None, "max_active_tis_per_dag": None, "max_active_tis_per_dagrun": None,
    "executor": None, "executor_config": None, "do_xcom_push": True, "multiple_outputs": False,
    "inlets": None, "outlets": None, "doc": None, "doc_md": None, "doc_json": None, "doc_yaml": None,
    "doc_rst": None, "logger_name": None, "allow_nested_operators": True, "task_display_name": None,
}


class BaseOperator(DependencyMixin):
    """A task of a DAG (Airflow's ``BaseOperator``); subclasses implement ``execute(context)``.

    ``default_args`` of the DAG (and of its task group) fill the arguments of
    ``BASE_DEFAULTS`` that a task does not set; a subclass's own arguments are its to
    default. What each argument does here is listed in :mod:`.arguments`; one that would
    change what runs and is not supported yet is refused unless left at its default.

    Raises:
        DuplicateKeyError: the DAG already has a task with this ``task_id``.
        DefinitionError: an invalid id or retries, an unknown trigger rule, or an
            unsupported argument given a value.
        TypeError: an argument Airflow's ``BaseOperator`` does not have.
    """

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    ui_color = "#fff"

    # Set by __init__ from BASE_DEFAULTS: the task's argument, else default_args, else Airflow's.
    owner: str
    retries: int
    retry_delay: Any
    retry_exponential_backoff: bool
    max_retry_delay: Any
    params: dict[str, Any] | None
    execution_timeout: Any
    trigger_rule: TriggerRule
    pool: str | None
    doc: str | None
    doc_md: str | None
    on_execute_callback: Any
    on_failure_callback: Any
    on_retry_callback: Any
    on_success_callback: Any
    on_skipped_callback: Any
    pre_execute: Any
    post_execute: Any
    multiple_outputs: bool
    do_xcom_push: bool

    def __init__(
        self,
        task_id: str,
        dag: DAG | None = None,
        default_args: dict[str, Any] | None = None,
        task_group: Any = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - set(BASE_DEFAULTS)
        if unknown:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were: {sorted(unknown)}"
            )
        self.defined_at = user_site()
        label = check_name(task_id, "task_id", where=self.defined_at)
        group = task_group if task_group is not None else current_group()
        dag = dag if dag is not None else group.dag if group is not None else current_dag()
        if group is not None and group.dag is not dag:
            group = None  # a task given another DAG is not in the surrounding group
        self.task_id = group.child_id(label) if group is not None else label
        group_defaults = group.default_args if group is not None else {}
        defaults = {**(dag.default_args if dag is not None else {}), **group_defaults, **(default_args or {})}
        for name, airflow_default in BASE_DEFAULTS.items():
            setattr(self, name, kwargs[name] if name in kwargs else defaults.get(name, airflow_default))
        if not isinstance(self.retries, int) or self.retries < 0:
            raise DefinitionError(f"task {task_id!r}: retries must be a whole number >= 0, not {self.retries!r}")
        self.trigger_rule = trigger_rule(self.trigger_rule, where=f"task {task_id!r} ({self.defined_at})")
        refuse_unsupported(
            f"task {self.task_id!r} ({self.defined_at})", {n: getattr(self, n) for n in OPERATOR_UNSUPPORTED},
            OPERATOR_UNSUPPORTED,
        )
        self.task_group: TaskGroup | None = group
        in_mapped_group = mapped_group_of(group)
        #: what the task is mapped over: its own ``.expand()``, or the mapped task group it is in
        self.mapped: MappedArgs | None = None if in_mapped_group is None else MappedArgs("attrs", group=in_mapped_group)
        self._upstream: dict[str, None] = {}
        self._downstream: dict[str, None] = {}
        self._dag: DAG | None = None
        if dag is not None:
            self.dag = dag
        if in_mapped_group is not None and in_mapped_group.mapping is not None:
            for ref in in_mapped_group.mapping.refs():  # every task of the group waits for what it maps over
                self.set_upstream(ref.operator)

    def map_over(self, mapped: MappedArgs) -> None:
        """Make this task mapped (``.expand()``): one instance per element of ``mapped``.

        Raises:
            DefinitionError: the task is inside a mapped task group.
        """
        if self.mapped is not None and self.mapped.group is not None:
            raise DefinitionError(
                f"task {self.task_id!r} ({self.defined_at}): mapping a task inside mapped task group "
                f"{self.mapped.group.group_id!r} is not supported"
            )
        self.mapped = mapped
        for ref in mapped.refs():
            self.set_upstream(ref.operator)

    # -- identity ----------------------------------------------------------------------

    @property
    def dag(self) -> DAG | None:
        return self._dag

    @dag.setter
    def dag(self, dag: DAG) -> None:
        if self._dag is not None and self._dag is not dag:
            raise DefinitionError(f"task {self.task_id!r} already belongs to DAG {self._dag.dag_id!r}")
        dag.add_task(self)
        self._dag = dag

    @property
    def dag_id(self) -> str:
        return self._dag.dag_id if self._dag is not None else "adhoc_airflow"

    @property
    def key(self) -> str:
        """The engine's key for this task: ``"<dag_id>.<task_id>"``."""
        return f"{self.dag_id}.{self.task_id}"

    def group_ids(self) -> list[str]:
        """The ids of the task groups this task is in, innermost first."""
        found = []
        group = self.task_group
        while group is not None:
            found.append(group.group_id)
            group = group.parent_group
        return found

    @property
    def output(self) -> XComArg:
        """A reference to this task's return value, to pass to other tasks."""
        return XComArg(self)

    @property
    def log(self) -> Any:
        import logging

        return logging.getLogger("airflow.task")

    def resolved_params(self) -> dict[str, Any]:
        return {name: getattr(value, "value", value) for name, value in (self.params or {}).items()}

    # -- relations ---------------------------------------------------------------------

    @property
    def upstream_task_ids(self) -> set[str]:
        return set(self._upstream)

    @property
    def downstream_task_ids(self) -> set[str]:
        return set(self._downstream)

    @property
    def upstream_list(self) -> list[Task]:
        return [self._dag.task_dict[t] for t in self._upstream] if self._dag else []

    @property
    def downstream_list(self) -> list[Task]:
        return [self._dag.task_dict[t] for t in self._downstream] if self._dag else []

    def set_upstream(self, other: Any) -> None:
        for task in relation_ends(other, as_upstream=True):
            _link(task, self)

    def set_downstream(self, other: Any) -> None:
        if isinstance(other, Label):
            other.__rrshift__(self)
            return
        for task in relation_ends(other, as_upstream=False):
            _link(self, task)

    def get_flat_relative_ids(self, upstream: bool = False) -> set[str]:
        """Every task id upstream (or downstream) of this one, transitively."""
        if self._dag is None:
            return set()
        found: set[str] = set()
        frontier = [self.task_id]
        while frontier:
            task = self._dag.task_dict[frontier.pop()]
            for relative in task.upstream_task_ids if upstream else task.downstream_task_ids:
                if relative not in found:
                    found.add(relative)
                    frontier.append(relative)
        return found

    def link_references(self) -> None:
        """Make the tasks whose values the templated fields refer to (``XComArg``) upstream."""
        for field in self.template_fields:
            for ref in find_refs(getattr(self, field, None)):
                if ref.operator.task_id not in self._upstream and ref.operator is not self:
                    self.set_upstream(ref.operator)

    # -- mapping -----------------------------------------------------------------------

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """The fixed arguments of a mapped task; ``.expand(name=[...])`` gives the varying ones."""
        return OperatorPartial(cls, kwargs)

    # -- compiling ---------------------------------------------------------------------

    def node_inputs(self) -> dict[str, str]:
        """Parameter name -> upstream key of the values the engine hands this task."""
        return self.mapped.node_inputs(self) if self.mapped is not None else {}

    def to_node(self) -> Node:
        """This task as an engine node."""
        if self._dag is None:
            raise self._not_in_dag()
        inputs = self.node_inputs()
        dag = self._dag
        deps = tuple(dag.task_dict[t].key for t in self._upstream if dag.task_dict[t].key not in inputs.values())
        backoff = self.retry_exponential_backoff
        factor = 2.0 if backoff is True else float(backoff) if backoff and backoff > 1 else 1.0
        delay = seconds(self.retry_delay, what=f"task {self.task_id!r}: retry_delay") or 0.0
        cap = seconds(self.max_retry_delay, what=f"task {self.task_id!r}: max_retry_delay")
        retry = RetryPolicy(
            max_retries=self.retries, delay=delay, backoff=factor, jitter=0.1 if factor > 1 else 0.0,
            max_delay=cap if cap is not None else max(86400.0 if factor > 1 else 3600.0, delay),
        )
        source = getattr(self, "python_callable", None) or type(self).execute
        options = NodeOptions(
            group=dag.dag_id,
            tags=MappingProxyType({str(tag): "" for tag in dag.tags}),
            description=self.doc_md or self.doc or inspect.getdoc(source) if callable(source) else None,
            retry=retry,
            timeout=seconds(self.execution_timeout, what=f"task {self.task_id!r}: execution_timeout"),
            metadata=MappingProxyType({
                "dag_id": dag.dag_id, "task_id": self.task_id, "operator": type(self).__name__,
                "trigger_rule": str(self.trigger_rule),
            }),
            owners=(str(self.owner),) if self.owner else (),
            pool=self.pool,
            cache=False,
            check_types=False,
            trigger_rule=self.trigger_rule,
        )
        return Node(
            key=self.key, fn=TaskEntry(self), inputs=MappingProxyType(inputs), deps=deps, takes_context=True,
            options=options, source_fn=source, kind="task", defined_at=self.defined_at,
        )

    def __headwater_definitions__(self) -> Definitions:
        """Nothing of its own (its DAG brings it); a task outside any DAG is an error."""
        if self._dag is None:
            raise self._not_in_dag()
        return Definitions()

    def _not_in_dag(self) -> DefinitionError:
        return DefinitionError(
            f"task {self.task_id!r} ({self.defined_at}) is not in any DAG: create it inside "
            "`with DAG(...):` or a @dag function, or pass dag=..."
        )

    # -- running -----------------------------------------------------------------------

    def execute(self, context: dict[str, Any]) -> Any:
        """What the task does; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute(self, context)")

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"


class TaskEntry:
    """The function of a task's node: a handle on the operator, run by the engine.

    The execution layer recognises it and runs the operator
    (:func:`headwater.execution.airflow.task.run_task`); calling it directly is an error.
    """

    __slots__ = ("operator",)

    def __init__(self, operator: BaseOperator) -> None:
        self.operator = operator

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"task {self.operator.task_id!r} is run by the engine (headwater dags test / headwater run), not called"
        )

    def __repr__(self) -> str:
        return f"TaskEntry({self.operator!r})"


def _link(up: BaseOperator, down: BaseOperator) -> None:
    if up.dag is None and down.dag is None:
        raise DefinitionError(
            f"Tried to create relationships between tasks that don't have DAGs yet: {up.task_id!r} "
            f"({up.defined_at}) and {down.task_id!r} ({down.defined_at}). Create them inside `with DAG(...):` "
            "or pass dag=..."
        )
    if up.dag is None:
        up.dag = down.dag  # type: ignore[assignment]
    elif down.dag is None:
        down.dag = up.dag
    elif up.dag is not down.dag:
        raise DefinitionError(
            f"Tried to set relationships between tasks in more than one DAG: {up.key!r} and {down.key!r}"
        )
    up._downstream[down.task_id] = None
    down._upstream[up.task_id] = None
    up.dag.touch()  # type: ignore[union-attr]


def chain(*tasks: Any) -> None:
    """Set ``t1 >> t2 >> t3``; two neighbouring lists are linked pairwise (same length)."""
    for up, down in zip(tasks, tasks[1:], strict=False):
        if isinstance(up, list | tuple) and isinstance(down, list | tuple):
            if len(up) != len(down):
                raise DefinitionError(f"chain() links neighbouring lists pairwise: got lengths {len(up)} and {len(down)}")
            for a, b in zip(up, down, strict=True):
                a >> b
        elif isinstance(up, list | tuple):
            for a in up:
                a >> down
        else:
            up >> down


def cross_downstream(from_tasks: Iterable[Any], to_tasks: Any) -> None:
    """Make every task of ``to_tasks`` downstream of every task of ``from_tasks``."""
    for task in from_tasks:
        task >> list(to_tasks) if isinstance(to_tasks, list | tuple) else task >> to_tasks
