"""The quick reads of a step function's parameters and docstring say what ``inspect`` says.

``named_parameters`` and ``docstring_of`` skip ``inspect``'s general machinery for plain
functions (a load of a thousand assets calls them a thousand times); every shape of
callable below must get the same answer as ``inspect.signature`` and ``inspect.getdoc``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from headwater.definitions.node import docstring_of
from headwater.definitions.parameters import named_parameters


def plain(a: int, b: int = 1) -> int:
    return a + b


def every_kind(a, /, b, *args, c, d=2, **kwargs):
    x = a  # a local variable, which is no parameter
    return x


def positional_only(a, b, /):
    return a


def keyword_only(*, a, b=1):
    return a


def var_keywords_only(**kwargs):
    return kwargs


def documented(raw: list[int]) -> int:
    """Sum it.

        Indented detail.
    """
    return sum(raw)


@functools.wraps(plain)
def wrapper(*args: Any, **kwargs: Any) -> int:
    return plain(*args, **kwargs)


def with_signature(*args: Any) -> None:
    pass


with_signature.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
)


def make_nested() -> Callable[..., Any]:
    def nested(prev, *, config=None):
        return prev

    return nested


class Base:
    def compute(self, upstream: int) -> int:
        """Documented on the base class."""
        return upstream


class Derived(Base):
    def compute(self, upstream: int) -> int:  # inherits the docstring, as inspect.getdoc says
        return upstream + 1


class CallableStep:
    def __call__(self, upstream: int, **extra: Any) -> int:
        return upstream


SHAPES: dict[str, Callable[..., Any]] = {
    "plain": plain,
    "every kind": every_kind,
    "positional only": positional_only,
    "keyword only": keyword_only,
    "var keywords only": var_keywords_only,
    "documented": documented,
    "wrapper": wrapper,
    "with __signature__": with_signature,
    "nested": make_nested(),
    "lambda": lambda upstream, other=3: upstream,
    "partial": functools.partial(every_kind, 1, 2, c=3),
    "bound method": Derived().compute,
    "function of a class": Derived.compute,
    "callable object": CallableStep(),
    "builtin": len,
}


@pytest.mark.parametrize("fn", SHAPES.values(), ids=SHAPES.keys())
def test_named_parameters_say_what_inspect_signature_says(fn: Callable[..., Any]) -> None:
    parameters = inspect.signature(fn).parameters.values()
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    expected = (
        [p.name for p in parameters if p.kind not in variadic],
        any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters),
    )
    assert named_parameters(fn) == expected


@pytest.mark.parametrize("fn", SHAPES.values(), ids=SHAPES.keys())
def test_docstring_of_says_what_inspect_getdoc_says(fn: Callable[..., Any]) -> None:
    assert docstring_of(fn) == inspect.getdoc(fn)


def test_the_shapes_cover_an_inherited_docstring_and_a_cleaned_one() -> None:
    """(So the test above checks both paths, not only functions without a docstring.)"""
    assert docstring_of(Derived.compute) == "Documented on the base class."
    assert docstring_of(documented) == "Sum it.\n\nIndented detail."
