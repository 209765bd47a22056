"""Checking values against type hints at run time.

Classes are checked with ``isinstance``; ``typing`` generics at their origin
(``list[int]`` as ``list``, ``dict[str, X]`` as ``dict``); ``Optional``/``Union`` as any of
their members; ``Literal`` by value; ``Annotated`` by its first argument. ``Any``, type
variables, protocols that are not runtime-checkable and string hints that cannot be
resolved are not checked (they pass), so a hint never makes a correct pipeline fail.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = ["check_value", "describe_type", "resolved_hints"]

_UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)


@lru_cache(maxsize=4096)
def resolved_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The function's type hints with string annotations resolved; ``{}`` if they cannot be."""
    try:
        return typing.get_type_hints(fn, include_extras=False)
    except Exception:  # unresolvable forward reference: check nothing rather than fail
        return {}


def check_value(value: object, hint: Any) -> bool:
    """Whether ``value`` satisfies ``hint``, as far as it can be checked at run time."""
    if hint is Any or hint is object or isinstance(hint, typing.TypeVar | str):
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin is None:
        if isinstance(hint, type):
            if hint is float and isinstance(value, int) and not isinstance(value, bool):
                return True  # PEP 484: an int is acceptable where a float is expected
            if getattr(hint, "_is_protocol", False) and not getattr(hint, "_is_runtime_protocol", False):
                return True
            return isinstance(value, hint)
        return True
    if origin in _UNION_TYPES:
        return any(check_value(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is typing.Annotated:
        return check_value(value, typing.get_args(hint)[0])
    if isinstance(origin, type):
        return isinstance(value, origin)
    return True


def describe_type(hint: Any) -> str:
    """A short readable name for a hint or a value's type (``DataFrame``, ``list[int]``)."""
    if isinstance(hint, type) and typing.get_origin(hint) is None:
        return hint.__qualname__
    return repr(hint).replace("typing.", "")
