"""``headwater variables ...`` and ``headwater connections ...``: the Airflow settings in the run store.

Values set here are what ``Variable.get`` and ``BaseHook.get_connection`` read in tasks
(after ``AIRFLOW_VAR_*`` / ``AIRFLOW_CONN_*`` environment variables, which win).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error, fail

__all__ = ["connections", "variables"]

variables = typer.Typer(no_args_is_help=True, help="Airflow Variables kept in the run store: list, get, set, delete.")
connections = typer.Typer(no_args_is_help=True, help="Airflow Connections kept in the run store: list, get, add, delete.")

VARIABLE, CONNECTION = "variable", "connection"  # the kinds of headwater.services.named_values
NOT_FOUND = 3  # like an unknown run id: the store has no such thing


@variables.command("list")
@exits_on_error
def list_variables() -> None:
    """List the variables of the run store."""
    _list(VARIABLE, mask=False)


@variables.command("get")
@exits_on_error
def get_variable(key: str, as_json: Annotated[bool, typer.Option("--json", help="Print it as parsed JSON.")] = False) -> None:
    """Print a variable's value (``AIRFLOW_VAR_<KEY>`` wins over the store, as in tasks)."""
    from headwater.services.location import open_instance
    from headwater.services.named_values import get_variable as read_variable

    with open_instance(sweep=False) as instance:
        try:
            value = read_variable(instance, key, deserialize_json=as_json)
        except KeyError:
            raise fail(f"Variable {key!r} does not exist (headwater variables list shows what is set)", NOT_FOUND)
        except json.JSONDecodeError as exc:
            raise fail(f"Variable {key!r} is not JSON: {exc}")
    typer.echo(json.dumps(value, indent=2) if as_json else value)


@variables.command("set")
@exits_on_error
def set_variable(
    key: str,
    value: str,
    description: Annotated[str | None, typer.Option(help="What the variable is for.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Check that VALUE is JSON before storing it.")] = False,
) -> None:
    """Store a variable (replacing its value, if it had one)."""
    from headwater.services.location import open_instance
    from headwater.services.named_values import set_named_value

    if as_json:
        try:
            json.loads(value)
        except json.JSONDecodeError as exc:
            raise fail(f"the value of {key!r} is not valid JSON ({exc}); nothing was stored")
    with open_instance(sweep=False) as instance:
        set_named_value(instance, VARIABLE, key, value, description)
    typer.echo(f"Variable {key} set")


@variables.command("delete")
@exits_on_error
def delete_variable(key: str) -> None:
    """Remove a variable from the run store."""
    _delete(VARIABLE, key, "Variable")


@connections.command("list")
@exits_on_error
def list_connections() -> None:
    """List the connections of the run store (passwords masked)."""
    _list(CONNECTION, mask=True)


@connections.command("get")
@exits_on_error
def get_connection(conn_id: str) -> None:
    """Print a connection's fields as JSON (``AIRFLOW_CONN_<CONN_ID>`` wins over the store)."""
    from headwater.definitions.airflow.variables import AirflowNotFoundException
    from headwater.services.location import open_instance
    from headwater.services.named_values import get_connection as read_connection

    with open_instance(sweep=False) as instance:
        try:
            found = read_connection(instance, conn_id)
        except AirflowNotFoundException as exc:
            raise fail(f"{exc} (headwater connections list shows what is set)", NOT_FOUND)
    fields = {name: getattr(found, name) for name in ("conn_id", "conn_type", "host", "login", "schema", "port")}
    fields["extra"] = found.extra_dejson
    typer.echo(json.dumps(fields, indent=2))


@connections.command("add")
@exits_on_error
def add_connection(
    conn_id: str,
    conn_uri: Annotated[str | None, typer.Option("--conn-uri", help="scheme://login:password@host:port/schema")] = None,
    conn_json: Annotated[str | None, typer.Option("--conn-json", help='{"conn_type": ..., "host": ...}')] = None,
    description: Annotated[str | None, typer.Option(help="What the connection is for.")] = None,
) -> None:
    """Store a connection, given as a URI or as Airflow's JSON form."""
    from headwater.services.location import open_instance
    from headwater.services.named_values import check_connection, set_named_value

    if (conn_uri is None) == (conn_json is None):
        raise fail("give the connection as exactly one of --conn-uri or --conn-json")
    text = conn_uri if conn_uri is not None else conn_json
    assert text is not None
    try:
        check_connection(conn_id, text)
    except ValueError as exc:
        raise fail(f"connection {conn_id!r} is not valid: {exc}; nothing was stored")
    with open_instance(sweep=False) as instance:
        set_named_value(instance, CONNECTION, conn_id, text.strip(), description)
    typer.echo(f"Connection {conn_id} added")


@connections.command("delete")
@exits_on_error
def delete_connection(conn_id: str) -> None:
    """Remove a connection from the run store."""
    _delete(CONNECTION, conn_id, "Connection")


def _list(kind: str, *, mask: bool) -> None:
    from rich.table import Table

    from headwater.cli.console import out_console
    from headwater.services.location import open_instance
    from headwater.services.named_values import list_named_values, shown_value

    with open_instance(sweep=False) as instance:
        rows = list_named_values(instance, kind)
    console = out_console()
    if not rows:
        console.print(f"No {kind}s in the run store.")
        return
    table = Table(title=f"{kind.capitalize()}s", title_justify="left")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("value")
    table.add_column("description")
    for row in rows:
        value = shown_value(row) if mask else row.value
        table.add_row(row.name, value if len(value) <= 80 else value[:77] + "...", row.description or "")
    console.print(table)


def _delete(kind: str, name: str, label: str) -> None:
    from headwater.services.location import open_instance
    from headwater.services.named_values import delete_named_value

    with open_instance(sweep=False) as instance:
        removed = delete_named_value(instance, kind, name)
    if not removed:
        raise fail(f"{label} {name!r} does not exist", NOT_FOUND)
    typer.echo(f"{label} {name} deleted")
