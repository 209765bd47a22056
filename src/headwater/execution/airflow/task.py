"""Running one Airflow task node: what the engine calls for a node compiled from an operator.

:func:`run_task` builds the Airflow context of the step, renders the templated fields on a
copy of the operator (resolving ``XComArg``\\ s, ``{{ ds }}``, template files), calls
``execute(context)`` with ``pre_execute``/``post_execute`` and the callbacks around it, and
returns what ``execute`` returned, which the engine stores as the ``return_value`` XCom.

A mapped task (``.expand()``, or any task of a mapped task group) is one node: its instances
run one after another in the step, each with its own ``map_index`` and arguments, and the
step's value is the list of their results. Expanded over nothing, the task ends skipped, as in
Airflow. In a mapped task group, instance ``i`` of a task receives the group's arguments of
instance ``i`` and, from the group's other tasks, their instance ``i``'s values. A callback
that fails is logged, never fatal.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.airflow.mapping import EXPAND_KWARGS, MappedArgs
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.xcomarg import XComArg, input_key, resolve
from headwater.definitions.signals import FailStep, SkipStep
from headwater.execution.airflow.context import airflow_context, use_context
from headwater.execution.airflow.templating import renderer

__all__ = ["Instance", "mapped_instances", "run_task"]


@dataclass(frozen=True, slots=True)
class Instance:
    """One mapped instance: the task's arguments it overrides, and its task group's arguments."""

    overrides: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, Any] | None = None


def run_task(operator: BaseOperator, step_context: Any, inputs: dict[str, Any]) -> Any:
    """Run ``operator`` (each mapped instance, if it is mapped) in ``step_context``.

    Raises:
        SkipStep: the task is mapped over nothing.
    """
    if operator.mapped is None:
        return _run_once(operator, step_context, inputs, -1, Instance())
    instances = mapped_instances(operator, step_context, inputs)
    if not instances:
        raise SkipStep("mapped over an empty list: no task instances")
    results = []
    for index, instance in enumerate(instances):
        step_context.log.info("%s: map_index=%d (%d of %d)", operator.task_id, index, index + 1, len(instances))
        results.append(_run_once(operator, step_context, inputs, index, instance, len(instances)))
    return results


def _run_once(
    operator: BaseOperator, step_context: Any, inputs: dict[str, Any], map_index: int, instance: Instance,
    count: int | None = None,
) -> Any:
    context = airflow_context(operator, step_context, map_index)
    context["expanded_ti_count"] = count
    task = copy.copy(operator)
    for name, value in instance.overrides.items():
        setattr(task, name, value)
    render_template_fields(task, context, inputs, map_index, instance.arguments)
    context["task"] = task
    with use_context(context):
        _callback(operator.on_execute_callback, context, step_context)
        try:
            if operator.pre_execute is not None:
                operator.pre_execute(context)
            result = task.execute(context)
            if operator.post_execute is not None:
                operator.post_execute(context, result)
        except SkipStep:
            _callback(operator.on_skipped_callback, context, step_context)
            raise
        except Exception as exc:
            context["exception"] = exc
            final = step_context.attempt > operator.retries or isinstance(exc, FailStep)
            _callback(operator.on_failure_callback if final else operator.on_retry_callback, context, step_context)
            raise
        _callback(operator.on_success_callback, context, step_context)
    if operator.multiple_outputs and map_index < 0 and operator.do_xcom_push:
        if not isinstance(result, dict) or not all(isinstance(k, str) for k in result):
            raise TypeError(f"Returned output was type {type(result)} expected dictionary for multiple_outputs")
        for name, value in result.items():
            step_context.xcom_push(name, value)
    return result if operator.do_xcom_push else None


def render_template_fields(
    task: BaseOperator, context: dict[str, Any], inputs: dict[str, Any], map_index: int = -1,
    arguments: dict[str, Any] | None = None,
) -> None:
    """Resolve references and render templates in ``task.template_fields`` (``task`` is a copy).

    ``op_kwargs`` values that the engine handed over as node inputs are used as they are, not
    pulled again (instance ``map_index`` of them when they come from the task's own mapped
    task group); ``arguments`` are the values of its mapped task group's instance.
    """
    given: dict[str, Any] = {}
    op_kwargs = getattr(task, "op_kwargs", None)
    if isinstance(op_kwargs, dict):
        for name, value in op_kwargs.items():
            if name in inputs and input_key(value, task) is not None:
                given[name] = inputs[name][map_index] if _same_mapped_group(value, task) else inputs[name]
        task.op_kwargs = {k: v for k, v in op_kwargs.items() if k not in given}  # type: ignore[attr-defined]
    render, pull = template_renderer(task, context), xcom_puller(context)
    for field in task.template_fields:
        value = getattr(task, field, None)
        if value is not None:
            setattr(task, field, resolve(value, pull, context["params"], render, arguments))
    if given:
        task.op_kwargs = {**task.op_kwargs, **given}  # type: ignore[attr-defined]


def template_renderer(task: BaseOperator, context: dict[str, Any]) -> Callable[[str], Any]:
    """Renders a template string (or template file name) of ``task`` against ``context``."""
    dag = task.dag
    extra = dag.extra_kwargs if dag is not None else {}
    return renderer(
        context,
        native=bool(dag and dag.render_template_as_native_obj),
        macros=extra.get("user_defined_macros"),
        filters=extra.get("user_defined_filters"),
        extensions=tuple(task.template_ext),
        search_path=dag.template_folders() if dag is not None else (),
    )


def xcom_puller(context: dict[str, Any]) -> Callable[[XComArg], Any]:
    """Gives the value an ``XComArg`` refers to, pulled through the context's ``ti``."""
    ti = context["ti"]
    return lambda ref: ti.xcom_pull(task_ids=ref.operator.task_id, dag_id=ref.operator.dag_id, key=ref.key)


def _same_mapped_group(value: Any, task: BaseOperator) -> bool:
    """Whether ``value`` is the output of a task of the mapped task group ``task`` is in."""
    group = task.mapped.group if task.mapped is not None else None
    return group is not None and isinstance(value, XComArg) and group.group_id in value.operator.group_ids()


def mapped_instances(task: BaseOperator, step_context: Any, inputs: dict[str, Any]) -> list[Instance]:
    """The instances of a mapped task, in map-index order.

    Lists come from literals or upstream values; several expanded arguments give their cross
    product, ``expand_kwargs`` one instance per dict, as in Airflow. A task of a mapped task
    group has one instance per instance of the group.
    """
    mapped = task.mapped
    assert mapped is not None
    if mapped.group is not None:
        assert mapped.group.mapping is not None
        combos = _combinations(mapped.group.mapping, task, step_context, {})
        return [Instance(arguments=combo) for combo in combos]
    combos = _combinations(mapped, task, step_context, inputs)
    if mapped.target == "op_kwargs":
        base = dict(getattr(task, "op_kwargs", {}))
        return [Instance({"op_kwargs": {**base, **combo}}) for combo in combos]
    return [Instance(combo) for combo in combos]


def _combinations(mapped: MappedArgs, task: BaseOperator, step_context: Any, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """Name -> value, for each instance of ``mapped`` (the values resolved at run time)."""
    context = airflow_context(task, step_context)
    pull, render = xcom_puller(context), template_renderer(task, context)

    def value_of(name: str, value: Any) -> Any:
        if name in inputs and input_key(value, task) is not None:
            return inputs[name]
        return resolve(value, pull, context["params"], render)

    if mapped.kwargs_list is not None:
        rows = _sequence(value_of(EXPAND_KWARGS, mapped.kwargs_list), "expand_kwargs", task)
        for row in rows:
            if not isinstance(row, dict):
                raise TypeError(f"task {task.task_id!r}: expand_kwargs needs a list of dicts, got an item {row!r}")
        return rows
    names = list(mapped.mapped)
    lists = [_sequence(value_of(name, mapped.mapped[name]), name, task) for name in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]


def _sequence(value: Any, name: str, task: BaseOperator) -> list[Any]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list | tuple | range):
        return list(value)
    raise TypeError(
        f"task {task.task_id!r}: .expand() over {name!r} needs a list, tuple or dict, got {type(value).__name__}"
    )


def _callback(callbacks: Any, context: dict[str, Any], step_context: Any) -> None:
    """Call a callback (or each of a list); a failing callback is logged, never fatal."""
    if not callbacks:
        return
    for callback in callbacks if isinstance(callbacks, list | tuple) else [callbacks]:
        try:
            callback(context)
        except Exception:
            step_context.log.exception("callback %r failed", getattr(callback, "__name__", callback))
