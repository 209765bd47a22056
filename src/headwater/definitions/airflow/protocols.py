"""What the rest of the dialect needs of a task and of a task group, as protocols.

``DAG``, ``TaskGroup``, ``XComArg`` and mapping refer to tasks (and mapping to groups) through
these, not through ``BaseOperator`` itself, so no module imports the one that imports it: the
dialect's modules form a tree under :mod:`.operators` (which defines the task every
operator is) instead of a circle around it.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Group", "Task"]


class Task(Protocol):
    """A task of a DAG (``BaseOperator`` is the one implementation)."""

    task_id: str
    defined_at: str
    #: the DAG it belongs to (a ``DAG``), None until it has one
    dag: Any
    #: what it is mapped over (a ``MappedArgs``), None when it is not mapped
    mapped: Any

    @property
    def dag_id(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def upstream_task_ids(self) -> set[str]: ...

    @property
    def downstream_task_ids(self) -> set[str]: ...

    def group_ids(self) -> list[str]: ...

    def get_flat_relative_ids(self, upstream: bool = False) -> set[str]: ...

    def set_upstream(self, other: Any) -> None: ...

    def set_downstream(self, other: Any) -> None: ...

    def link_references(self) -> None: ...

    def map_over(self, mapped: Any) -> None: ...

    def to_node(self) -> Any: ...

    def __headwater_definitions__(self) -> Any: ...

    def __rshift__(self, other: Any) -> Any: ...

    def __lshift__(self, other: Any) -> Any: ...

    def __rrshift__(self, other: Any) -> Any: ...

    def __rlshift__(self, other: Any) -> Any: ...


class Group(Protocol):
    """A task group (``TaskGroup``), as mapping sees it."""

    @property
    def group_id(self) -> str: ...

    #: what the group is mapped over (a ``MappedArgs``), None when it is not mapped
    mapping: Any
