"""Dynamic task mapping: ``.partial(...).expand(x=[...])``, one task instance per element.

A mapped task is one engine node. At run time (:mod:`headwater.execution.airflow.task`) the
node resolves the lists it maps over (a literal list, or the value of an upstream task,
handed over as a node input), calls the task once per element (the cross product when
several arguments are expanded, as Airflow does; one call per dict with ``expand_kwargs``),
logs ``map_index=N`` before each call, and returns the list of results in order. A downstream task given the mapped task's output
receives that list, as Airflow hands it the sequence of the mapped results::

    @task
    def double(x): return 2 * x

    total(double.expand(x=[1, 2, 3]))      # total receives [2, 4, 6]
"""

from __future__ import annotations

import inspect
from typing import Any

from headwater.definitions.airflow.protocols import Group, Task
from headwater.definitions.airflow.xcomarg import XComArg, find_refs, input_key


__all__ = ["EXPAND_KWARGS", "MappedArgs", "OperatorPartial"]

#: the node input name of the list ``expand_kwargs`` maps over
EXPAND_KWARGS = "expand_kwargs"


class MappedArgs:
    """What a mapped task varies: ``mapped`` (name -> list) or ``kwargs_list`` (a list of dicts).

    ``target`` is ``"attrs"`` for a classic operator (the names are its arguments),
    ``"op_kwargs"`` for a TaskFlow task (the names are its function's parameters) or
    ``"group"`` for a mapped task group (the names are its function's parameters). A task
    inside a mapped task group has ``group`` set instead: it runs once per instance of the
    group, with the group's arguments (:class:`~.xcomarg.MappedArgument`) of that instance.
    """

    def __init__(
        self, target: str, mapped: dict[str, Any] | None = None, kwargs_list: Any = None, group: Group | None = None
    ) -> None:
        self.target = target
        self.mapped = dict(mapped or {})
        self.kwargs_list = kwargs_list
        self.group = group

    def refs(self) -> list[XComArg]:
        return list(find_refs([self.mapped, self.kwargs_list]))

    def node_inputs(self, task: Task) -> dict[str, str]:
        found = {}
        for name, value in self.mapped.items():
            key = input_key(value, task)
            if key is not None:
                found[name] = key
        key = input_key(self.kwargs_list, task)
        if key is not None:
            found[EXPAND_KWARGS] = key
        return found


class OperatorPartial:
    """``SomeOperator.partial(...)``: the fixed arguments, waiting for ``.expand(...)``."""

    def __init__(self, operator_class: type[Task], kwargs: dict[str, Any]) -> None:
        self.operator_class = operator_class
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> Task:
        """One task instance per element (the cross product over several arguments)."""
        if not mapped:
            raise TypeError("expand() needs at least one argument to map over")
        return self._build(MappedArgs("attrs", mapped=mapped))

    def expand_kwargs(self, kwargs_list: Any) -> Task:
        """One task instance per dict of arguments."""
        return self._build(MappedArgs("attrs", kwargs_list=kwargs_list))

    def _build(self, mapped: MappedArgs) -> Task:
        # A required argument given only per instance is set when each instance runs.
        per_instance = {name: None for name in _required_keywords(self.operator_class) if name not in self.kwargs}
        operator = self.operator_class(**{**per_instance, **self.kwargs})
        operator.map_over(mapped)
        for ref in find_refs(list(self.kwargs.values())):
            operator.set_upstream(ref.operator)
        return operator


def _required_keywords(operator_class: type[Task]) -> list[str]:
    parameters = inspect.signature(operator_class.__init__).parameters.values()
    return [
        p.name for p in parameters
        if p.default is inspect.Parameter.empty and p.kind is p.KEYWORD_ONLY and p.name != "task_id"
    ]
