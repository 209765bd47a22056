"""References to values that exist only at run time: ``XComArg`` and ``DagParam``.

Calling a TaskFlow task inside a DAG returns an :class:`XComArg`, a reference to the value
the task will return; ``operator.output`` is the same for a classic operator, and
``xcom_arg["key"]`` refers to another key the task pushes. Passing one to another task
makes that task downstream, and at run time the reference is replaced by the value:

* an ``XComArg`` given directly as an argument becomes a *node input*: the engine hands
  its value to the step, typed and with lineage, as it does for an asset;
* one nested in a list or dict, or naming another key, is pulled through XCom.

A :class:`DagParam` (a ``@dag`` function's parameter) resolves to ``params[name]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from headwater.definitions.airflow.protocols import Task


__all__ = ["RETURN_VALUE", "AssetRef", "DagParam", "MappedArgument", "XComArg", "find_refs", "input_key", "resolve"]

#: the XCom key of a task's return value (Airflow's name)
RETURN_VALUE = "return_value"


class XComArg:
    """The value task ``operator`` pushes under ``key`` (its return value by default)."""

    def __init__(self, operator: Task, key: str = RETURN_VALUE) -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"the value of task {self.operator.task_id!r} exists only at run time: pass it to another task "
            "(or .expand() over it) instead of iterating over it in the DAG definition"
        )

    # dependencies, as for the operator itself: extract() >> load()
    def __rshift__(self, other: Any) -> Any:
        return self.operator >> other

    def __lshift__(self, other: Any) -> Any:
        return self.operator << other

    def __rrshift__(self, other: Any) -> Any:
        return other >> self.operator if not isinstance(other, list) else self.operator.__rrshift__(other)

    def __rlshift__(self, other: Any) -> Any:
        return self.operator.__rlshift__(other)

    def set_upstream(self, other: Any) -> None:
        self.operator.set_upstream(other)

    def set_downstream(self, other: Any) -> None:
        self.operator.set_downstream(other)

    def __headwater_definitions__(self) -> Any:
        return self.operator.__headwater_definitions__()

    def __str__(self) -> str:
        """A template that renders to the value, as in Airflow (for f-strings in templated fields)."""
        return (
            f"{{{{ task_instance.xcom_pull(task_ids='{self.operator.task_id}', "
            f"dag_id='{self.operator.dag_id}', key='{self.key}') }}}}"
        )

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, key={self.key!r})"


class MappedArgument:
    """A mapped task group's parameter: the value of one instance of the group, at run time.

    ``@task_group`` functions expanded with ``.expand(name=[...])`` receive one per expanded
    parameter; each task of the group receives the value of its own map index.
    """

    def __init__(self, group_id: str, name: str) -> None:
        self.group_id = group_id
        self.name = name

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"the value of {self.name!r} in mapped task group {self.group_id!r} exists only at run time: pass it "
            "to a task of the group instead of using it in the DAG definition"
        )

    def __repr__(self) -> str:
        return f"MappedArgument({self.group_id!r}, {self.name!r})"


class DagParam:
    """A ``@dag`` function's parameter: ``params[name]`` of the run, at run time."""

    def __init__(self, name: str, default: Any) -> None:
        self.name = name
        self.default = default

    def __repr__(self) -> str:
        return f"DagParam({self.name!r})"


class AssetRef:
    """A TaskFlow parameter left unset that names an asset: the asset's value, at run time."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"AssetRef({self.key!r})"


def input_key(value: Any, task: Task) -> str | None:
    """The upstream key whose value the engine hands over for ``value``, if it is such a reference.

    That is an asset reference, or the return value of another task of the same DAG.
    """
    if isinstance(value, AssetRef):
        return value.key
    if isinstance(value, XComArg) and value.key == RETURN_VALUE and value.operator.dag is task.dag:
        return value.operator.key
    return None


def find_refs(value: Any) -> Iterator[XComArg]:
    """Every ``XComArg`` in ``value``, looking inside lists, tuples, sets and dicts."""
    if isinstance(value, XComArg):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from find_refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from find_refs(item)


def resolve(
    value: Any, pull: Callable[[XComArg], Any], params: dict[str, Any], render: Callable[[str], Any],
    arguments: Mapping[str, Any] | None = None,
) -> Any:
    """``value`` with references replaced by their values and template strings rendered.

    ``arguments`` are the values of a mapped task group's instance, for its ``MappedArgument``\\ s.
    """
    if isinstance(value, XComArg):
        return pull(value)
    if isinstance(value, DagParam):
        return params.get(value.name, value.default)
    if isinstance(value, MappedArgument):
        if arguments is None or value.name not in arguments:
            raise TypeError(f"mapped task group {value.group_id!r}: no value for its parameter {value.name!r}")
        return arguments[value.name]
    if isinstance(value, str):
        return render(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [resolve(item, pull, params, render, arguments) for item in value]
        return type(value)(items) if not isinstance(value, tuple) or type(value) is tuple else type(value)(*items)
    if isinstance(value, dict):
        return {k: resolve(v, pull, params, render, arguments) for k, v in value.items()}
    return value
