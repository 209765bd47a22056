"""Nothing accepted and ignored: every argument of every public class and decorator of
``headwater.airflow`` is implemented, recorded with a stated reason, or refused.

The test walks the signatures; it does not trust a list of names written here.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import headwater.airflow as airflow
from headwater.definitions.airflow.arguments import (
    DAG_RECORDED,
    DAG_UNSUPPORTED,
    OPERATOR_IMPLEMENTED,
    OPERATOR_RECORDED,
    OPERATOR_UNSUPPORTED,
)
from headwater.definitions.airflow.operators import BASE_DEFAULTS
from headwater.errors import DefinitionError

OPERATORS = sorted(
    (obj for obj in vars(airflow).values() if isinstance(obj, type) and issubclass(obj, airflow.BaseOperator)),
    key=lambda cls: cls.__name__,
)
#: a valid construction of each operator, to vary one argument at a time
REQUIRED: dict[str, dict[str, Any]] = {
    "BashOperator": {"bash_command": "true"},
    "PythonOperator": {"python_callable": print},
    "BranchPythonOperator": {"python_callable": print},
    "ShortCircuitOperator": {"python_callable": print},
    "PythonSensor": {"python_callable": print},
    "FileSensor": {"filepath": "x"},
    "TimeDeltaSensor": {"delta": __import__("datetime").timedelta(0)},
    "PythonVirtualenvOperator": {"python_callable": inspect.getdoc},
    "ExternalPythonOperator": {"python_callable": inspect.getdoc, "python": "/usr/bin/python3"},
}


def own_parameters(cls: type) -> set[str]:
    """The named parameters of every ``__init__`` from ``cls`` up to ``BaseOperator``."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL) and parameter.name != "self":
                names.add(parameter.name)
    return names


def documented(cls: type, name: str) -> bool:
    return any(name in (inspect.getdoc(klass) or "") for klass in cls.__mro__ if klass is not object)


def test_every_base_operator_argument_is_classified_once() -> None:
    classified = [*OPERATOR_IMPLEMENTED, *OPERATOR_RECORDED, *OPERATOR_UNSUPPORTED]
    assert len(classified) == len(set(classified))
    assert set(BASE_DEFAULTS) | {"task_id", "dag", "default_args", "task_group"} == set(classified)


@pytest.mark.parametrize("cls", OPERATORS, ids=lambda c: c.__name__)
def test_each_operators_own_arguments_are_documented(cls: type) -> None:
    own = own_parameters(cls) - set(BASE_DEFAULTS) - {"task_id", "dag", "default_args", "task_group"}
    missing = sorted(name for name in own if not documented(cls, name))
    # a subclass's own arguments are described in its docstring (or are Airflow's own names used as-is)
    assert not [m for m in missing if m not in {"python_callable", "op_args", "op_kwargs", "templates_dict",
                                                 "templates_exts", "show_return_value_in_logs", "provide_context"}]


@pytest.mark.parametrize("cls", OPERATORS, ids=lambda c: c.__name__)
def test_each_operator_refuses_an_argument_airflow_does_not_have(cls: type) -> None:
    with airflow.DAG(f"audit_{cls.__name__}"), pytest.raises(TypeError, match="not_an_airflow_argument"):
        cls(task_id="t", not_an_airflow_argument=1, **REQUIRED.get(cls.__name__, {}))


@pytest.mark.parametrize("name", sorted(OPERATOR_UNSUPPORTED))
def test_an_unsupported_operator_argument_given_a_value_is_refused(name: str) -> None:
    value: Any = "something" if OPERATOR_UNSUPPORTED[name] is None else (
        True if OPERATOR_UNSUPPORTED[name] is False else 5
    )
    with airflow.DAG("audit_unsupported"), pytest.raises(DefinitionError, match=f"{name}=.* is not supported"):
        airflow.EmptyOperator(task_id="t", **{name: value})
    with airflow.DAG("audit_default_args", default_args={name: value}), pytest.raises(DefinitionError, match=name):
        airflow.EmptyOperator(task_id="t")  # through default_args too
    with airflow.DAG("audit_default_value"):
        airflow.EmptyOperator(task_id="t", **{name: OPERATOR_UNSUPPORTED[name]})  # Airflow's default is fine


def test_every_dag_argument_is_implemented_recorded_or_refused() -> None:
    named = own_parameters(airflow.DAG)
    implemented = {"dag_id", "description", "schedule", "schedule_interval", "start_date", "default_args", "tags",
                   "params", "doc_md", "render_template_as_native_obj", "is_paused_upon_creation",
                   "template_searchpath", "user_defined_macros", "user_defined_filters", "on_failure_callback",
                   "on_success_callback"}
    accepted = named | set(DAG_RECORDED) | set(DAG_UNSUPPORTED) | implemented
    for name in accepted:
        assert (name in implemented) + (name in DAG_RECORDED) + (name in DAG_UNSUPPORTED) == 1, name
    with pytest.raises(TypeError, match="not_an_airflow_argument"):
        airflow.DAG("audit_dag", not_an_airflow_argument=1)


@pytest.mark.parametrize("name", sorted(DAG_UNSUPPORTED))
def test_an_unsupported_dag_argument_given_a_value_is_refused(name: str) -> None:
    value: Any = "something" if DAG_UNSUPPORTED[name] is None else (True if DAG_UNSUPPORTED[name] is False else 3)
    with pytest.raises(DefinitionError, match=f"{name}=.* is not supported"):
        airflow.DAG("audit_dag_unsupported", **{name: value})


def test_decorators_pass_arguments_to_the_operator_which_refuses_unknown_ones() -> None:
    @airflow.task(not_an_airflow_argument=1)
    def work() -> None: ...

    for variant in (airflow.task.branch, airflow.task.short_circuit, airflow.task.sensor):
        decorated = variant(not_an_airflow_argument=1)(lambda: None)
        with airflow.DAG(f"audit_variant_{id(variant)}"), pytest.raises(TypeError, match="not_an_airflow_argument"):
            decorated()
    with airflow.DAG("audit_decorator"), pytest.raises(TypeError, match="not_an_airflow_argument"):
        work()
    with pytest.raises(TypeError, match="not_an_airflow_argument"):
        airflow.dag(not_an_airflow_argument=1)(lambda: None)()
    with airflow.DAG("audit_group"), pytest.raises(TypeError):
        airflow.TaskGroup("g", not_an_airflow_argument=1)
