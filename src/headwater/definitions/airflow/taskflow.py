"""TaskFlow: ``@dag`` and ``@task``, where return values flow to the tasks that take them.

::

    @task
    def extract() -> list[int]:
        return [1, 2, 3]

    @task(retries=2)
    def total(values: list[int]) -> int:
        return sum(values)

    @dag(schedule="@daily", start_date=days_ago(1))
    def numbers():
        total(extract())              # extract >> total; total receives extract's value

    numbers()                          # builds the DAG; collected even when not assigned

Calling a ``@task`` function inside a DAG adds a task and returns an
:class:`~headwater.definitions.airflow.xcomarg.XComArg`; ``.function`` is still the plain
function, for unit tests. Arguments given as another task's value become node inputs: the
engine hands the value over directly, with lineage. A parameter that is neither given nor
has a default nor names a context value (``ti``, ``ds``, ...) is read from the asset of
that name, so one graph mixes both dialects. ``.expand()`` / ``.partial()`` map a task over
a list (see :mod:`headwater.definitions.airflow.mapping`).
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar, overload

from headwater.definitions.airflow.branching import BranchPythonOperator, ShortCircuitOperator
from headwater.definitions.airflow.context_keys import CONTEXT_KEYS
from headwater.definitions.airflow.dag import DAG, current_dag
from headwater.definitions.airflow.mapping import MappedArgs
from headwater.definitions.airflow.python import PythonOperator
from headwater.definitions.airflow.sensors import PythonSensor
from headwater.definitions.airflow.task_group import TaskGroup, current_group
from headwater.definitions.airflow.virtualenv import ExternalPythonOperator, PythonVirtualenvOperator
from headwater.definitions.airflow.xcomarg import AssetRef, DagParam, XComArg

__all__ = ["CONTEXT_KEYS", "Task", "dag", "task"]

P = ParamSpec("P")
R = TypeVar("R")

_SUFFIX = re.compile(r"__\d+$")


class _TaskFlowOperator(PythonOperator):
    """The operator a ``@task`` call adds: a ``PythonOperator`` over the decorated function."""

    ui_color = "#ffefeb"


class _BranchTaskFlowOperator(BranchPythonOperator):
    """The operator a ``@task.branch`` call adds."""


class _ShortCircuitTaskFlowOperator(ShortCircuitOperator):
    """The operator a ``@task.short_circuit`` call adds."""


class _SensorTaskFlowOperator(PythonSensor):
    """The operator a ``@task.sensor`` call adds: the function is the poke."""


class _VirtualenvTaskFlowOperator(PythonVirtualenvOperator):
    """The operator a ``@task.virtualenv`` call adds."""


class _ExternalPythonTaskFlowOperator(ExternalPythonOperator):
    """The operator a ``@task.external_python`` call adds."""


class Task(Generic[P, R]):
    """A ``@task`` function: call it inside a DAG to add a task; ``.function`` is the function."""

    def __init__(
        self, function: Callable[P, R], operator_kwargs: dict[str, Any],
        operator_class: type[PythonOperator | PythonSensor] = _TaskFlowOperator,
    ) -> None:
        self.function = function
        self.operator_kwargs = operator_kwargs
        self.operator_class = operator_class
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> XComArg:
        operator = self._operator(self._arguments(args, kwargs), None)
        return XComArg(operator)

    def override(self, **operator_kwargs: Any) -> Task[P, R]:
        """The same task with other operator arguments (``task_id``, ``retries``, ...)."""
        return Task(self.function, {**self.operator_kwargs, **operator_kwargs}, self.operator_class)

    def partial(self, **kwargs: Any) -> _TaskPartial:
        """The fixed arguments of a mapped task."""
        return _TaskPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        """One task instance per element; the result is the list of their return values."""
        return _TaskPartial(self, {}).expand(**mapped)

    def expand_kwargs(self, kwargs_list: Any) -> XComArg:
        """One task instance per dict of arguments."""
        return _TaskPartial(self, {}).expand_kwargs(kwargs_list)

    def _arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """(op_args, op_kwargs) for a call: by name where the signature allows it."""
        signature = inspect.signature(self.function)
        kinds = {p.kind for p in signature.parameters.values()}
        if inspect.Parameter.VAR_POSITIONAL in kinds or inspect.Parameter.POSITIONAL_ONLY in kinds:
            return list(args), dict(kwargs)
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"@task {self.function.__name__}: {exc}") from None
        named = dict(bound.arguments)
        for parameter in signature.parameters.values():
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                named.update(named.pop(parameter.name, {}))
            elif (
                parameter.name not in named
                and parameter.default is inspect.Parameter.empty
                and parameter.name not in CONTEXT_KEYS
            ):
                named[parameter.name] = AssetRef(parameter.name)  # read from the asset of that name
        return [], named

    def _operator(self, arguments: tuple[list[Any], dict[str, Any]], mapped: MappedArgs | None) -> PythonOperator | PythonSensor:
        op_args, op_kwargs = arguments
        options = dict(self.operator_kwargs)
        group = options.get("task_group") or current_group()
        owner_dag: DAG | None = options.get("dag") or (group.dag if group is not None else None) or current_dag()
        task_id = options.pop("task_id", None) or self.function.__name__
        if owner_dag is not None:
            task_id = _unique_task_id(owner_dag, task_id, group)
        multiple_outputs = options.pop("multiple_outputs", None)
        if multiple_outputs is None:
            multiple_outputs = _returns_dict(self.function)
        operator = self.operator_class(
            task_id=task_id, python_callable=self.function, op_args=op_args, op_kwargs=op_kwargs,
            multiple_outputs=multiple_outputs and mapped is None, **options,
        )
        if mapped is not None:
            operator.map_over(mapped)
        return operator

    def __repr__(self) -> str:
        return f"<@task {self.function.__qualname__}>"


class _TaskPartial:
    def __init__(self, task: Task[Any, Any], kwargs: dict[str, Any]) -> None:
        self.task = task
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> XComArg:
        if not mapped:
            raise TypeError("expand() needs at least one argument to map over")
        return self._build(MappedArgs("op_kwargs", mapped=mapped))

    def expand_kwargs(self, kwargs_list: Any) -> XComArg:
        return self._build(MappedArgs("op_kwargs", kwargs_list=kwargs_list))

    def _build(self, mapped: MappedArgs) -> XComArg:
        _, fixed = self.task._arguments((), {})
        # parameters not fixed here are given per element, not read from assets
        fixed = {k: v for k, v in fixed.items() if not isinstance(v, AssetRef) or k not in mapped.mapped}
        if mapped.kwargs_list is not None:
            fixed = {k: v for k, v in fixed.items() if not isinstance(v, AssetRef)}
        return XComArg(self.task._operator(([], {**fixed, **self.kwargs}), mapped))


def _unique_task_id(owner: DAG, task_id: str, group: TaskGroup | None) -> str:
    """``task_id``, or ``task_id__N`` when the DAG already has it (within ``group``)."""

    def full(label: str) -> str:
        return group.child_id(label) if group is not None else label

    if full(task_id) not in owner.task_dict:
        return task_id
    base = _SUFFIX.sub("", task_id)
    taken = [t for t in owner.task_dict if _SUFFIX.search(t) and _SUFFIX.sub("", t) == full(base)]
    numbers = [int(t.rsplit("__", 1)[1]) for t in taken]
    return f"{base}__{max(numbers, default=0) + 1}"


def _returns_dict(function: Callable[..., Any]) -> bool:
    try:
        hint = typing.get_type_hints(function).get("return")
    except Exception:
        return False
    return hint is dict or typing.get_origin(hint) is dict


class _TaskDecorator:
    """``task``: ``@task``, ``@task(...)``, ``@task.python``, ``@task.branch``, ``@task.short_circuit``,
    or ``task(fn)``."""

    def __init__(self, operator_class: type[PythonOperator | PythonSensor] = _TaskFlowOperator) -> None:
        self.operator_class = operator_class

    @overload
    def __call__(self, python_callable: Callable[P, R], /) -> Task[P, R]: ...

    @overload
    def __call__(self, python_callable: None = None, /, **kwargs: Any) -> Callable[[Callable[P, R]], Task[P, R]]: ...

    def __call__(self, python_callable: Callable[..., Any] | None = None, /, **kwargs: Any) -> Any:
        if python_callable is not None:
            if not callable(python_callable):
                raise TypeError(f"@task decorates a function, not {python_callable!r}")
            return Task(python_callable, kwargs, self.operator_class)
        return lambda function: Task(function, kwargs, self.operator_class)

    @property
    def python(self) -> _TaskDecorator:
        return self

    @property
    def branch(self) -> _TaskDecorator:
        """``@task.branch``: the function returns the task id(s) to follow (``BranchPythonOperator``)."""
        return _TaskDecorator(_BranchTaskFlowOperator)

    @property
    def sensor(self) -> _TaskDecorator:
        """``@task.sensor(poke_interval=..., timeout=..., mode=...)``: the function is the poke (``PythonSensor``)."""
        return _TaskDecorator(_SensorTaskFlowOperator)

    @property
    def virtualenv(self) -> _TaskDecorator:
        """``@task.virtualenv(requirements=[...])``: run in a cached virtual environment."""
        return _TaskDecorator(_VirtualenvTaskFlowOperator)

    @property
    def external_python(self) -> _TaskDecorator:
        """``@task.external_python(python="/path/bin/python")``: run with that interpreter."""
        return _TaskDecorator(_ExternalPythonTaskFlowOperator)

    @property
    def short_circuit(self) -> _TaskDecorator:
        """``@task.short_circuit``: a falsy result skips downstream (``ShortCircuitOperator``)."""
        return _TaskDecorator(_ShortCircuitTaskFlowOperator)


task = _TaskDecorator()


def dag(
    dag_id: str | Callable[..., Any] | None = None, **dag_kwargs: Any
) -> Any:
    """``@dag``: calling the decorated function builds and returns the DAG.

    The DAG's id is the function's name unless ``dag_id`` is given; its parameters (with
    their defaults) are the DAG's ``params``; its docstring is the DAG's ``doc_md``.
    """
    if callable(dag_id):
        return _dag_factory(dag_id, None, dag_kwargs)
    return lambda function: _dag_factory(function, dag_id, dag_kwargs)


def _dag_factory(function: Callable[P, Any], dag_id: str | None, dag_kwargs: dict[str, Any]) -> Callable[P, DAG]:
    signature = inspect.signature(function)

    @functools.wraps(function)
    def build(*args: P.args, **kwargs: P.kwargs) -> DAG:
        given = signature.bind_partial(*args, **kwargs).arguments
        defaults = {
            name: p.default for name, p in signature.parameters.items() if p.default is not inspect.Parameter.empty
        }
        params = {**dict(dag_kwargs.get("params") or {}), **defaults, **given}
        options = {**dag_kwargs, "params": params}
        options.setdefault("doc_md", function.__doc__)
        built = DAG(dag_id or function.__name__, **options)
        with built:
            named = [n for n, p in signature.parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            # Each parameter receives a placeholder for its run-time value, not its declared type.
            placeholders: Callable[..., object] = function
            placeholders(**{name: DagParam(name, params.get(name)) for name in named})
        return built

    return build
