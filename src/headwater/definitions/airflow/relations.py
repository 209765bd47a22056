"""``>>`` and ``<<`` for everything that can be upstream or downstream (Airflow's ``DependencyMixin``)."""

from __future__ import annotations

from typing import Any, Self

__all__ = ["DependencyMixin", "relation_ends"]


class DependencyMixin:
    """``a >> b`` is ``a.set_downstream(b)`` and gives ``b``; ``[a, b] >> c`` works from the right."""

    def set_upstream(self, other: Any) -> None:
        raise NotImplementedError

    def set_downstream(self, other: Any) -> None:
        raise NotImplementedError

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Self:
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Self:
        self.set_downstream(other)
        return self


def relation_ends(other: Any, *, as_upstream: bool) -> list[Any]:
    """The tasks ``other`` stands for on one end of ``>>``.

    A task stands for itself, an ``XComArg`` for its task, a task group for its leaves when
    it is upstream and its roots when it is downstream, a list for its items.

    Raises:
        TypeError: ``other`` is none of these.
    """
    items = other if isinstance(other, list | tuple | set) else [other]
    found: list[Any] = []
    for item in items:
        item = getattr(item, "operator", item)  # an XComArg: its task
        if item is not None and hasattr(item, "get_roots") and hasattr(item, "get_leaves"):  # a task group
            found.extend(item.get_leaves() if as_upstream else item.get_roots())
        elif isinstance(item, DependencyMixin) and hasattr(item, "task_id"):
            found.append(item)
        else:
            raise TypeError(f"relationships can be set between tasks, task groups or lists of them, not {item!r}")
    return found
