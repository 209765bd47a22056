"""Airflow Variables and Connections kept in the run store: list, read, set, delete.

Reads go through Airflow's own ``Variable.get`` and ``BaseHook.get_connection``, so an
``AIRFLOW_VAR_*`` / ``AIRFLOW_CONN_*`` environment variable wins here as it does in tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from headwater.storage.records import NamedValue

if TYPE_CHECKING:
    from headwater.definitions.airflow.variables import Connection
    from headwater.storage.instance import Instance

__all__ = [
    "CONNECTION",
    "VARIABLE",
    "check_connection",
    "delete_named_value",
    "get_connection",
    "get_variable",
    "list_named_values",
    "set_named_value",
    "shown_value",
]

VARIABLE, CONNECTION = "variable", "connection"


def list_named_values(instance: Instance, kind: str) -> list[NamedValue]:
    """Every variable (``kind="variable"``) or connection (``"connection"``), by name."""
    return instance.store.list_named_values(kind)


def shown_value(value: NamedValue) -> str:
    """The value as a listing shows it: a connection's password masked as ``***``."""
    if value.kind != CONNECTION:
        return value.value
    from headwater.definitions.airflow.variables import Connection

    parsed = Connection.parse(value.value, value.name)
    secret, parsed.password = parsed.password, "MASKED" if parsed.password else None
    return parsed.get_uri().replace(":MASKED@", ":***@") if secret else parsed.get_uri()


@contextmanager
def _reading(instance: Instance) -> Iterator[None]:
    from headwater.definitions.airflow.variables import use_named_values

    previous: Callable[[], Any] | None = use_named_values(lambda: instance.store)
    try:
        yield
    finally:
        use_named_values(previous)


def get_variable(instance: Instance, key: str, *, deserialize_json: bool = False) -> Any:
    """A variable's value (``AIRFLOW_VAR_<KEY>`` first, as in tasks).

    Raises:
        KeyError: no such variable.
        json.JSONDecodeError: ``deserialize_json`` and the value is not JSON.
    """
    from headwater.definitions.airflow.variables import Variable

    with _reading(instance):
        return Variable.get(key, deserialize_json=deserialize_json)


def get_connection(instance: Instance, conn_id: str) -> Connection:
    """A connection (``AIRFLOW_CONN_<CONN_ID>`` first, as in tasks).

    Raises:
        AirflowNotFoundException: no such connection.
    """
    from headwater.definitions.airflow.variables import BaseHook

    with _reading(instance):
        return BaseHook.get_connection(conn_id)


def check_connection(conn_id: str, text: str) -> None:
    """Raise ``ValueError`` unless ``text`` is a connection URI or Airflow's JSON form."""
    from headwater.definitions.airflow.exceptions import AirflowException
    from headwater.definitions.airflow.variables import Connection

    try:
        Connection.parse(text, conn_id)
    except (AirflowException, ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from exc


def set_named_value(instance: Instance, kind: str, name: str, value: str, description: str | None = None) -> None:
    """Store ``value`` under ``name`` (replacing what was there)."""
    instance.store.set_named_value(kind, name, value, description)


def delete_named_value(instance: Instance, kind: str, name: str) -> bool:
    """Remove ``name``; False when there was nothing to remove."""
    return instance.store.delete_named_value(kind, name)
