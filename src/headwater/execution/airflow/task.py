"""Running one Airflow task node: what the engine calls for a node compiled from an operator.

:func:`run_task` builds the Airflow context of the step, renders the templated fields on a
copy of the operator (resolving ``XComArg``\\ s, ``{{ ds }}``, template files), calls
``execute(context)`` with ``pre_execute``/``post_execute`` and the callbacks around it, and
returns what ``execute`` returned, which the engine stores as the ``return_value`` XCom.

A mapped task (``.expand()``) is one node: its instances run one after another in the step,
each with its own ``map_index`` and arguments, and the step's value is the list of their
results. A callback that fails is logged, never fatal.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from headwater.definitions.airflow.mapping import EXPAND_KWARGS
from headwater.definitions.airflow.operators import BaseOperator
from headwater.definitions.airflow.xcomarg import XComArg, input_key, resolve
from headwater.definitions.signals import FailStep, SkipStep
from headwater.execution.airflow.context import airflow_context, use_context
from headwater.execution.airflow.templating import renderer

__all__ = ["run_task"]


def run_task(operator: BaseOperator, step_context: Any, inputs: dict[str, Any]) -> Any:
    """Run ``operator`` (each mapped instance, if it is mapped) in ``step_context``."""
    if operator.mapped is None:
        return _run_once(operator, step_context, inputs, -1, {})
    calls = mapped_calls(operator, step_context, inputs)
    results = []
    for index, overrides in enumerate(calls):
        step_context.log.info("%s: map_index=%d (%d of %d)", operator.task_id, index, index + 1, len(calls))
        results.append(_run_once(operator, step_context, inputs, index, overrides))
    return results


def _run_once(
    operator: BaseOperator, step_context: Any, inputs: dict[str, Any], map_index: int, overrides: dict[str, Any]
) -> Any:
    context = airflow_context(operator, step_context, map_index)
    task = copy.copy(operator)
    for name, value in overrides.items():
        setattr(task, name, value)
    render_template_fields(task, context, inputs)
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


def render_template_fields(task: BaseOperator, context: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Resolve references and render templates in ``task.template_fields`` (``task`` is a copy).

    ``op_kwargs`` values that the engine handed over as node inputs are used as they are,
    not pulled again.
    """
    given: dict[str, Any] = {}
    op_kwargs = getattr(task, "op_kwargs", None)
    if isinstance(op_kwargs, dict):
        given = {k: inputs[k] for k, v in op_kwargs.items() if k in inputs and input_key(v, task) is not None}
        task.op_kwargs = {k: v for k, v in op_kwargs.items() if k not in given}  # type: ignore[attr-defined]
    render, pull = template_renderer(task, context), xcom_puller(context)
    for field in task.template_fields:
        value = getattr(task, field, None)
        if value is not None:
            setattr(task, field, resolve(value, pull, context["params"], render))
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


def mapped_calls(task: BaseOperator, step_context: Any, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The argument overrides of each instance of a mapped task, in map-index order.

    Lists come from literals or upstream values; several expanded arguments give their cross
    product, ``expand_kwargs`` one call per dict, as in Airflow.
    """
    mapped = task.mapped
    assert mapped is not None
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
        combos: list[dict[str, Any]] = rows
    else:
        names = list(mapped.mapped)
        lists = [_sequence(value_of(name, mapped.mapped[name]), name, task) for name in names]
        combos = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)]
    if mapped.target == "op_kwargs":
        base = dict(getattr(task, "op_kwargs", {}))
        return [{"op_kwargs": {**base, **combo}} for combo in combos]
    return combos


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
