"""How the CLI reports Headwater's errors: a red message on stderr and an exit code.

Each branch of :mod:`headwater.errors` carries its own ``exit_code``: 2 for bad input
(invalid definitions, an unknown selection, a code location that will not load), 1 for a
failed run, 3 for the stores (an unknown run id among them). Commands are decorated with
:func:`exits_on_error`, so a :class:`~headwater.errors.HeadwaterError` never shows a
Python traceback to the user; any other exception is a Headwater bug and is left to
propagate with its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from headwater.errors import HeadwaterError

__all__ = ["exits_on_error", "fail", "report_error"]

P = ParamSpec("P")
R = TypeVar("R")


def report_error(message: str) -> None:
    """Print ``error: message`` in red on stderr."""
    from headwater.cli.console import error_console

    error_console().print(f"error: {message}", style="red", markup=False, highlight=False, soft_wrap=True)


def _describe(exc: HeadwaterError) -> str:
    return str(exc) or type(exc).__name__


def fail(message: str, exit_code: int = 2) -> typer.Exit:
    """Report ``message`` and return the ``typer.Exit`` to raise: ``raise fail(...)``."""
    report_error(message)
    return typer.Exit(exit_code)


def exits_on_error(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`HeadwaterError` raised by ``command`` into a message and its exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HeadwaterError as exc:
            report_error(_describe(exc))
            raise typer.Exit(exc.exit_code) from None

    return run
