"""``PythonOperator`` and ``EmptyOperator``: the operators a Python pipeline is made of.

A ``python_callable`` receives ``op_args``, ``op_kwargs`` and the context values it names
(all of them when it takes ``**kwargs``), as :func:`determine_kwargs` picks them, which is
Airflow's rule.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from headwater.definitions.airflow.dag import user_site
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.xcomarg import find_refs, input_key
from headwater.errors import DefinitionError

__all__ = ["DummyOperator", "EmptyOperator", "PythonOperator", "determine_kwargs"]


def determine_kwargs(fn: Callable[..., Any], op_args: Sequence[Any], context: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments ``fn`` accepts out of ``context`` (all of it when it takes ``**kwargs``)."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return dict(context)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    taken = {p.name for p in positional[: len(op_args)]}
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in taken]
    return {name: context[name] for name in names if name in context}


class PythonOperator(BaseOperator):
    """Call ``python_callable(*op_args, **op_kwargs)`` (Airflow's ``PythonOperator``).

    The callable also receives the context values it names (``ti``, ``ds``, ``params``,
    ...), or all of them when it takes ``**kwargs``. Its return value is the task's XCom
    ``return_value``: any value the artifact store can keep, a fitted model included.

    Raises:
        DefinitionError: ``python_callable`` is not callable.
    """

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        task_id: str,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        provide_context: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if provide_context is not None:
            warnings.warn(
                f"task {task_id!r}: provide_context is deprecated and no longer needed (Airflow 2): the callable "
                "receives the context values it names",
                DeprecationWarning,
                stacklevel=2,
            )
        if not callable(python_callable):
            raise DefinitionError(
                f"task {task_id!r} ({user_site()}): `python_callable` param must be callable, "
                f"got {type(python_callable).__name__} {python_callable!r}"
            )
        super().__init__(task_id=task_id, **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        self.templates_exts = templates_exts
        if templates_exts:
            self.template_ext = tuple(templates_exts)
        self.show_return_value_in_logs = show_return_value_in_logs
        for ref in find_refs([self.op_args, self.op_kwargs, self.templates_dict]):
            self.set_upstream(ref.operator)

    def node_inputs(self) -> dict[str, str]:
        found = super().node_inputs()
        for name, value in self.op_kwargs.items():
            key = input_key(value, self)
            if key is not None:
                found[name] = key
        return found

    def execute(self, context: dict[str, Any]) -> Any:
        context["templates_dict"] = self.templates_dict
        merged = {**context, **self.op_kwargs}
        return self.python_callable(*self.op_args, **determine_kwargs(self.python_callable, self.op_args, merged))


class EmptyOperator(BaseOperator):
    """A task that does nothing: a join or a marker in the graph."""

    ui_color = "#e8f7e4"

    def execute(self, context: dict[str, Any]) -> None:
        return None


DummyOperator = EmptyOperator
