"""``Param``: a DAG parameter with a default and a JSON-schema-like description (Airflow's)."""

from __future__ import annotations

from typing import Any

__all__ = ["Param"]


class Param:
    """A run parameter: ``params={"n": Param(5, type="integer")}``; tasks see ``params["n"] == 5``.

    The schema keywords are kept (and shown), not enforced.
    """

    def __init__(self, default: Any = None, description: str | None = None, **schema: Any) -> None:
        self.value = default
        self.description = description
        self.schema = schema

    def resolve(self, value: Any = None) -> Any:
        return self.value if value is None else value

    def __repr__(self) -> str:
        return f"Param({self.value!r})"
