"""``TaskGroup``, ``@task_group`` and ``Label``: grouping tasks and naming edges.

A task group is a name around some tasks of a DAG, as in Airflow::

    with DAG("etl") as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("extract") as extract:          # tasks extract.users, extract.orders
            EmptyOperator(task_id="users")
            EmptyOperator(task_id="orders")
        start >> extract >> EmptyOperator(task_id="load")

* a task created inside a group gets the id ``"<group_id>.<task_id>"`` (``prefix_group_id=True``,
  the default), groups inside groups ``"outer.inner.task"``; the group's ``default_args``
  apply to its tasks;
* ``group >> x`` links the group's *leaves* (its tasks with no downstream inside it) to ``x``;
  ``x >> group`` links ``x`` to the group's *roots*;
* a branch may choose a group id: its roots run.

``@task_group`` makes a function that, called inside a DAG, builds its tasks in a new group
(named after the function) and returns what the function returns, or the group itself.

A mapped task group (``group_fn.expand(x=[...])``, ``.partial(...).expand(...)``,
``.expand_kwargs([...])``) runs the group's tasks once per element, as Airflow does: the
function receives a :class:`~.xcomarg.MappedArgument` for each expanded parameter; every
task of the group is mapped over the same instances (map index ``i`` of each task sees
element ``i``, and the value of map index ``i`` of the group's other tasks); a task outside
the group given a group task's value receives the list of all its instances' values. Each
task is still one node, whose instances run one after another in its step; a mapped task or
mapped group inside a mapped group is refused.

``Label("text")`` between two tasks (``a >> Label("when valid") >> b``) links them and
records the text on the edge (``dag.edge_labels``).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from headwater.definitions.airflow.dag import DAG, current_dag
from headwater.definitions.airflow.mapping import MappedArgs
from headwater.definitions.airflow.protocols import Task
from headwater.definitions.airflow.relations import DependencyMixin, relation_ends
from headwater.definitions.airflow.xcomarg import MappedArgument
from headwater.errors import DefinitionError, DuplicateKeyError


__all__ = ["Label", "TaskGroup", "current_group", "mapped_group_of", "task_group"]

_GROUP_ID = re.compile(r"^[A-Za-z0-9_\-]{1,200}$")
_groups: ContextVar[tuple[TaskGroup, ...]] = ContextVar("headwater_task_groups", default=())


def current_group() -> TaskGroup | None:
    """The group of the innermost ``with TaskGroup(...)`` block (or ``@task_group`` call) being run."""
    stack = _groups.get()
    return stack[-1] if stack else None


def mapped_group_of(group: TaskGroup | None) -> TaskGroup | None:
    """``group`` or the nearest group around it that is mapped (``.expand``), if any."""
    while group is not None:
        if group.mapping is not None:
            return group
        group = group.parent_group
    return None


class TaskGroup(DependencyMixin):
    """A group of tasks of a DAG (Airflow's ``TaskGroup``), used as a context manager.

    Args:
        group_id: the group's name: letters, digits, ``_`` and ``-``.
        prefix_group_id: prefix the ids of the tasks inside with ``"<group_id>."``.
        parent_group: the enclosing group; by default the one of the ``with`` block around.
        dag: the DAG; by default the one of the ``with`` block around (or the parent's).
        default_args: arguments for the tasks of the group, over the DAG's.
        tooltip, ui_color, ui_fgcolor, group_display_name: kept for display.
        add_suffix_on_collision: give ``group_id__1`` (``__2``, ...) instead of failing when
            the id is taken.

    Raises:
        DefinitionError: the id is invalid, or there is no DAG to put the group in.
        DuplicateKeyError: the DAG already has a group or task of that id.
    """

    def __init__(
        self,
        group_id: str,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
        group_display_name: str | None = None,
    ) -> None:
        if not isinstance(group_id, str) or not _GROUP_ID.match(group_id):
            raise DefinitionError(f"invalid group_id {group_id!r}: use letters, digits, '_' and '-'")
        self.parent_group = parent_group if parent_group is not None else current_group()
        owner = dag or (self.parent_group.dag if self.parent_group is not None else None) or current_dag()
        if owner is None:
            raise DefinitionError(f"TaskGroup {group_id!r} is not in any DAG: create it inside `with DAG(...):`")
        self.dag: DAG = owner
        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        self.ui_color = ui_color
        self.ui_fgcolor = ui_fgcolor
        self.group_display_name = group_display_name
        parent_args = self.parent_group.default_args if self.parent_group is not None else {}
        self.default_args: dict[str, Any] = {**parent_args, **(default_args or {})}
        self._label = group_id
        if add_suffix_on_collision:
            self._label = self._free_label(group_id)
        if self.group_id in owner.task_groups or self.group_id in owner.task_dict:
            raise DuplicateKeyError(f"DAG {owner.dag_id!r}: group_id {self.group_id!r} has already been added")
        owner.task_groups[self.group_id] = self
        self._tokens: list[Any] = []
        #: what the group is mapped over (``@task_group`` functions' ``.expand``); None when not mapped
        self.mapping: MappedArgs | None = None

    @property
    def group_id(self) -> str:
        """The full id: ``"outer.inner"`` inside a prefixing parent group."""
        parent = self.parent_group
        return parent.child_id(self._label) if parent is not None else self._label

    @property
    def label(self) -> str:
        return self._label

    def child_id(self, label: str) -> str:
        """The id a task (or group) named ``label`` gets inside this group."""
        return f"{self.group_id}.{label}" if self.prefix_group_id else label

    def _free_label(self, label: str) -> str:
        candidate, n = label, 0
        while self._taken(candidate):
            n += 1
            candidate = f"{label}__{n}"
        return candidate

    def _taken(self, label: str) -> bool:
        full = self.parent_group.child_id(label) if self.parent_group is not None else label
        return full in self.dag.task_groups or full in self.dag.task_dict

    # -- membership --------------------------------------------------------------------

    def __enter__(self) -> TaskGroup:
        self._tokens.append(_groups.set((*_groups.get(), self)))
        return self

    def __exit__(self, *exc: object) -> None:
        _groups.reset(self._tokens.pop())

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)

    @property
    def tasks(self) -> list[Task]:
        """Every task inside the group, nested groups included."""
        return [t for t in self.dag.tasks if self.group_id in t.group_ids()]

    def get_roots(self) -> list[Task]:
        """The tasks of the group with no upstream task inside it."""
        ids = {t.task_id for t in self.tasks}
        return [t for t in self.tasks if not t.upstream_task_ids & ids]

    def get_leaves(self) -> list[Task]:
        """The tasks of the group with no downstream task inside it."""
        ids = {t.task_id for t in self.tasks}
        return [t for t in self.tasks if not t.downstream_task_ids & ids]

    # -- relations ---------------------------------------------------------------------

    def set_upstream(self, other: Any) -> None:
        for root in self._members(self.get_roots(), "first"):
            root.set_upstream(other)

    def set_downstream(self, other: Any) -> None:
        for leaf in self._members(self.get_leaves(), "last"):
            leaf.set_downstream(other)

    def _members(self, tasks: list[Task], which: str) -> list[Task]:
        if not tasks:
            raise DefinitionError(f"task group {self.group_id!r} has no tasks to link to (its {which} tasks)")
        return tasks

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"


class Label:
    """A label on the edges it sits on: ``a >> Label("valid") >> b`` (Airflow's ``Label``)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._upstream: list[Any] = []

    def __rrshift__(self, other: Any) -> Label:
        self._upstream.extend(other if isinstance(other, list | tuple) else [other])
        return self

    def __rshift__(self, other: Any) -> Any:
        for up in self._upstream:
            for up_task in relation_ends(up, as_upstream=True):
                up_task.set_downstream(other)
                for down_task in relation_ends(other, as_upstream=False):
                    if up_task.dag is not None:  # a task outside any DAG has nowhere to keep labels
                        up_task.dag.edge_labels[(up_task.task_id, down_task.task_id)] = self.label
        return other

    def __repr__(self) -> str:
        return f"Label({self.label!r})"


def task_group(
    python_callable: Callable[..., Any] | None = None, /, *, group_id: str | None = None, **group_kwargs: Any
) -> Any:
    """``@task_group``: calling the function inside a DAG builds its tasks inside a new group.

    The group's id is the function's name unless ``group_id`` is given (a repeated call
    gets ``name__1``, ...). The call returns what the function returns (a task's value, to
    pass on) or, when that is None, the group (to link with ``>>``).
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def build(*args: Any, **kwargs: Any) -> Any:
            group = TaskGroup(group_id or function.__name__, add_suffix_on_collision=True, **group_kwargs)
            with group:
                returned = function(*args, **kwargs)
            return group if returned is None else returned

        def expand(**mapped: Any) -> Any:
            """One instance of the group per element (the cross product over several parameters)."""
            return _MappedGroupPartial(function, group_id, group_kwargs, {}).expand(**mapped)

        def expand_kwargs(kwargs_list: Any) -> Any:
            """One instance of the group per dict of arguments."""
            return _MappedGroupPartial(function, group_id, group_kwargs, {}).expand_kwargs(kwargs_list)

        def partial(**fixed: Any) -> _MappedGroupPartial:
            """The arguments every instance of the group shares."""
            return _MappedGroupPartial(function, group_id, group_kwargs, fixed)

        build.expand, build.expand_kwargs, build.partial = expand, expand_kwargs, partial  # type: ignore[attr-defined]
        return build

    return decorate(python_callable) if python_callable is not None else decorate


class _MappedGroupPartial:
    """A ``@task_group`` function with its shared arguments, waiting for ``.expand(...)``."""

    def __init__(
        self, function: Callable[..., Any], group_id: str | None, group_kwargs: dict[str, Any], fixed: dict[str, Any]
    ) -> None:
        self.function = function
        self.group_id = group_id
        self.group_kwargs = group_kwargs
        self.fixed = fixed

    def expand(self, **mapped: Any) -> Any:
        if not mapped:
            raise TypeError("expand() needs at least one argument to map over")
        return self._build(MappedArgs("group", mapped=mapped), list(mapped))

    def expand_kwargs(self, kwargs_list: Any) -> Any:
        parameters = inspect.signature(self.function).parameters.values()
        names = [p.name for p in parameters if p.name not in self.fixed and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return self._build(MappedArgs("group", kwargs_list=kwargs_list), names)

    def _build(self, mapping: MappedArgs, names: list[str]) -> Any:
        name = self.function.__name__
        if mapped_group_of(current_group()) is not None:
            raise DefinitionError(f"@task_group {name}: a mapped task group inside a mapped task group is not supported")
        group = TaskGroup(self.group_id or name, add_suffix_on_collision=True, **self.group_kwargs)
        group.mapping = mapping
        with group:
            returned = self.function(**self.fixed, **{n: MappedArgument(group.group_id, n) for n in names})
        if not group.tasks:
            raise DefinitionError(f"mapped task group {group.group_id!r} has no tasks")
        return group if returned is None else returned
