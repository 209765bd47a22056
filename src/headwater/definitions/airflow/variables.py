"""``Variable`` and ``BaseHook.get_connection``: settings that tasks read at run time.

Both are looked up as Airflow looks them up: first in the environment
(``AIRFLOW_VAR_<KEY>``, ``AIRFLOW_CONN_<CONN_ID>``, the name upper-cased), then in the run
store, where ``Variable.set`` and ``headwater variables set`` / ``headwater connections
add`` keep them (one table for both, on SQLite or PostgreSQL). A connection is kept as its
URI (``postgres://user:pass@host:5432/db?sslmode=require``) or as Airflow's JSON form.

The store is reached through a backend that the public door :mod:`headwater.airflow`
installs (definitions do not import storage); ``{{ var.value.key }}``, ``{{ var.json.key }}``
and ``{{ conn.conn_id.host }}`` in templates go through the same lookups.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from headwater.definitions.airflow.exceptions import AirflowException

__all__ = [
    "AirflowNotFoundException",
    "BaseHook",
    "Connection",
    "NamedValues",
    "Variable",
    "use_named_values",
]

VARIABLE = "variable"
CONNECTION = "connection"
_NOT_SET: Any = object()


class AirflowNotFoundException(AirflowException, KeyError):
    """A connection (or other named thing) that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NamedValues(Protocol):
    """Where variables and connections are kept: the run store's named values."""

    def get_named_value(self, kind: str, name: str) -> str | None: ...

    def set_named_value(self, kind: str, name: str, value: str, description: str | None = None) -> None: ...

    def delete_named_value(self, kind: str, name: str) -> bool: ...


_backend: Callable[[], NamedValues] | None = None


def use_named_values(opener: Callable[[], NamedValues] | None) -> Callable[[], NamedValues] | None:
    """Install how the run store's named values are reached (the public door does it).

    Returns:
        The opener installed before, to put back.
    """
    global _backend
    previous, _backend = _backend, opener
    return previous


def _store() -> NamedValues:
    if _backend is None:
        raise RuntimeError("no run store is configured for Airflow variables and connections")
    return _backend()


def _from_env(prefix: str, name: str) -> str | None:
    return os.environ.get(f"{prefix}{name.upper()}")


class Variable:
    """A named setting (Airflow's ``Variable``): environment first, then the run store."""

    @classmethod
    def get(cls, key: str, default_var: Any = _NOT_SET, deserialize_json: bool = False) -> Any:
        """The value of ``key`` (parsed as JSON with ``deserialize_json``).

        Raises:
            KeyError: no variable ``key``, and no ``default_var`` given.
        """
        value = _from_env("AIRFLOW_VAR_", key)
        if value is None:
            value = _store().get_named_value(VARIABLE, key)
        if value is None:
            if default_var is _NOT_SET:
                raise KeyError(f"Variable {key} does not exist")
            return default_var
        return json.loads(value) if deserialize_json else value

    @classmethod
    def set(cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        """Store ``value`` under ``key`` in the run store (as JSON with ``serialize_json``)."""
        text = json.dumps(value, indent=2) if serialize_json else str(value)
        _store().set_named_value(VARIABLE, key, text, description)

    @classmethod
    def setdefault(cls, key: str, default: Any, description: str | None = None, deserialize_json: bool = False) -> Any:
        """The value of ``key``; when it has none, store ``default`` and give it."""
        value = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if value is None:
            if default is None:
                raise ValueError("Default Value must be set")
            cls.set(key, default, description=description, serialize_json=deserialize_json)
            return default
        return value

    @classmethod
    def delete(cls, key: str) -> int:
        """Remove ``key`` from the run store; the number of variables removed (0 or 1)."""
        return int(_store().delete_named_value(VARIABLE, key))


class Connection:
    """How to reach an outside system (Airflow's ``Connection``).

    Built from fields, from ``uri="scheme://login:password@host:port/schema?extra=..."``, or
    from Airflow's JSON form (:meth:`from_json`). ``extra`` is a JSON string;
    :attr:`extra_dejson` is it parsed.
    """

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.description = description
        if uri is not None:
            if any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
                raise AirflowException("You must create an object using the URI or individual values. You can't use both")
            self._parse(uri)
            return
        self.conn_type, self.host, self.login, self.password = conn_type, host, login, password
        self.schema, self.port = schema, port
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra

    def _parse(self, uri: str) -> None:
        parts = urlsplit(uri)
        if not parts.scheme:
            raise AirflowException(f"invalid connection URI {uri!r}: it needs a scheme, as in postgres://host/db")
        self.conn_type = parts.scheme.replace("-", "_")
        self.host = unquote(parts.hostname) if parts.hostname else None
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.schema = unquote(parts.path.lstrip("/")) or None
        self.port = parts.port
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "__extra__" in query:
            self.extra = query["__extra__"]
        else:
            self.extra = json.dumps(query) if query else None

    @classmethod
    def from_json(cls, text: str, conn_id: str | None = None) -> Connection:
        """A connection from Airflow's JSON form (``{"conn_type": ..., "host": ..., "extra": {...}}``)."""
        fields = json.loads(text)
        if not isinstance(fields, dict):
            raise AirflowException(f"connection {conn_id!r}: the JSON form must be an object, got {text!r}")
        known = {"conn_type", "description", "host", "login", "password", "schema", "port", "extra"}
        unknown = set(fields) - known
        if unknown:
            raise AirflowException(f"connection {conn_id!r}: unknown fields {sorted(unknown)}")
        return cls(conn_id=conn_id, **fields)

    @classmethod
    def parse(cls, text: str, conn_id: str | None = None) -> Connection:
        """From the stored or environment form: JSON when it starts with ``{``, else a URI."""
        text = text.strip()
        return cls.from_json(text, conn_id) if text.startswith("{") else cls(conn_id=conn_id, uri=text)

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """``extra`` parsed (an empty dict when there is none)."""
        if not self.extra:
            return {}
        parsed = json.loads(self.extra)
        return parsed if isinstance(parsed, dict) else {}

    def get_uri(self) -> str:
        """The connection as a URI (the form ``headwater connections add`` stores)."""
        auth = ""
        if self.login is not None or self.password is not None:
            auth = quote(self.login or "", safe="")
            auth += f":{quote(self.password, safe='')}" if self.password is not None else ""
            auth += "@"
        host = quote(self.host or "", safe="")
        port = f":{self.port}" if self.port else ""
        path = f"/{quote(self.schema, safe='')}" if self.schema else ""
        extra = self.extra_dejson
        query = f"?{urlencode(extra)}" if extra and all(isinstance(v, str) for v in extra.values()) else (
            f"?{urlencode({'__extra__': self.extra})}" if extra else ""
        )
        return f"{(self.conn_type or '').replace('_', '-')}://{auth}{host}{port}{path}{query}"

    def __repr__(self) -> str:
        return f"<Connection {self.conn_id}: {self.conn_type}://{self.host or ''}>"


class BaseHook:
    """Airflow's ``BaseHook``: here, the door to connections."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """The connection ``conn_id``: ``AIRFLOW_CONN_<CONN_ID>`` first, then the run store.

        Raises:
            AirflowNotFoundException: no such connection.
        """
        text = _from_env("AIRFLOW_CONN_", conn_id)
        if text is None:
            text = _store().get_named_value(CONNECTION, conn_id)
        if text is None:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return Connection.parse(text, conn_id)


class _VariableAccessor:
    """``var.value.key`` / ``var.json.key`` in templates (``var.value.get("key", default)`` too)."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default_var: Any = _NOT_SET) -> Any:
        return Variable.get(key, default_var, deserialize_json=self._json)


class _ConnectionAccessor:
    """``conn.conn_id`` in templates (``conn.get("conn_id")`` too)."""

    def __getattr__(self, conn_id: str) -> Connection:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        return BaseHook.get_connection(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        try:
            return BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:
            return default_conn


def template_accessors() -> dict[str, Any]:
    """The ``var`` and ``conn`` entries of a task's context."""
    from types import SimpleNamespace

    return {"var": SimpleNamespace(value=_VariableAccessor(False), json=_VariableAccessor(True)),
            "conn": _ConnectionAccessor()}
