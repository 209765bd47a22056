"""A Typer group whose sub-commands are imported when they are used, not at start-up.

Building a Click command from a Typer function reads its signature and type hints, and
importing a command module brings in what it imports: for the thirty-odd commands of
``headwater`` that is tens of milliseconds, paid on every call for one command only. So the
root group names its commands in a table (name -> where it is defined) and turns an entry
into a command the first time it is looked up: ``headwater runs list`` imports and builds
``runs`` alone; ``headwater --help`` still lists (and so builds) them all.

A command once built is kept for the life of the process (:func:`prebuild` builds them
all): the warm CLI server builds every command once, and each command it forks finds its
own built already.

Example::

    app = typer.Typer(cls=lazy_group({"runs": LazyCommand("headwater.cli.commands.runs", "app")}))
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

__all__ = ["LazyCommand", "lazy_group", "prebuild"]


@dataclass(frozen=True)
class LazyCommand:
    """Where one sub-command is defined.

    Attributes:
        module: the module to import.
        attribute: a command function or a ``typer.Typer`` group in it.
        help: the group's help here, when it differs from the one the group declares.
    """

    module: str
    attribute: str
    help: str | None = None

    def build(self, name: str) -> Any:
        """The Click command (or group) named ``name``, as ``app.command``/``add_typer`` makes it."""
        target = getattr(importlib.import_module(self.module), self.attribute)
        holder = typer.Typer()
        if isinstance(target, typer.Typer):
            if self.help is None:
                holder.add_typer(target, name=name)
            else:
                holder.add_typer(target, name=name, help=self.help)
        else:
            holder.command(name)(target)
        return typer.main.get_group(holder).commands[name]


#: the commands built in this process, by where they are defined and the name they have
_BUILT: dict[tuple[LazyCommand, str], Any] = {}


def _build_once(command: LazyCommand, name: str) -> Any:
    built = _BUILT.get((command, name))
    if built is None:
        built = _BUILT[(command, name)] = command.build(name)
    return built


def prebuild(table: Mapping[str, LazyCommand]) -> None:
    """Build every command of ``table`` now (importing its module), for later lookups."""
    for name, command in table.items():
        _build_once(command, name)


class _Commands(MutableMapping[str, Any]):
    """The sub-commands by name: those built so far, and the table's others built on lookup."""

    def __init__(self, built: MutableMapping[str, Any], table: Mapping[str, LazyCommand]) -> None:
        self._built = built
        self._table = table

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._table:
                raise KeyError(name)
            self._built[name] = _build_once(self._table[name], name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        # the table's order, whether built or not; a list, as lookups during the loop build
        return iter([*self._table, *(name for name in self._built if name not in self._table)])

    def __len__(self) -> int:
        return len(self._built.keys() | self._table.keys())


def lazy_group(table: Mapping[str, LazyCommand]) -> type[TyperGroup]:
    """A ``TyperGroup`` class (for ``typer.Typer(cls=...)``) whose commands come from ``table``."""

    class LazyGroup(TyperGroup):
        def __init__(self, **attrs: Any) -> None:
            super().__init__(**attrs)
            self.commands = _Commands(self.commands, table)

    return LazyGroup
