"""``>>`` and ``<<`` for everything that can be upstream or downstream (Airflow's ``DependencyMixin``)."""

from __future__ import annotations

from typing import Any, Self

__all__ = ["DependencyMixin"]


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
