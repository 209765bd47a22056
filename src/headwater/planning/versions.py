"""Code versions: a stable hash of what a step's function does.

The hash covers the function's bytecode, names and constants, recursively through nested
functions and comprehensions, and the values of the simple module-level constants it reads
(``LEARNING_RATE = 0.1``, ``FEATURES = ["a", "b"]``), so changing such a constant reruns the
steps that use it; or only the ``code_version=`` override when one is given. It
leaves out line numbers, file names and the docstring, so editing a comment, a blank line
or the docstring changes nothing, while editing the body does. The hash is the same in
every process on the same Python version (no ``id()``, no address, no hash seed in it)::

    def f(x):          # v1
        return x + 1

    def f(x):          # same version: only a comment and a blank line differ
        # add one

        return x + 1
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = ["code_version_of"]

_SCALARS = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))


def code_version_of(fn: Callable[..., Any], override: str | None = None) -> str:
    """The code version of ``fn``: 16 hex digits, or derived from ``override`` when given."""
    digest = hashlib.blake2b(digest_size=8)
    if override is not None:
        digest.update(b"override\0" + override.encode())
        return digest.hexdigest()
    digest.update(_function_fingerprint(fn))
    digest.update(_globals_fingerprint(fn))
    return digest.hexdigest()


def _globals_fingerprint(fn: Callable[..., Any]) -> bytes:
    """The simple constants the function reads from its module (not cached: they may change)."""
    target = getattr(fn, "__wrapped__", fn)
    code = getattr(target, "__code__", None)
    namespace = getattr(target, "__globals__", None)
    if code is None or namespace is None:
        return b""
    parts = []
    for name in _global_names(code):
        value = namespace.get(name, _ABSENT)
        if value is not _ABSENT and _is_simple(value):
            parts.append(f"{name}={value!r}")
    return "\0".join(parts).encode()


def _global_names(code: types.CodeType) -> tuple[str, ...]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_global_names(const))
    return tuple(dict.fromkeys(names))


def _is_simple(value: object, depth: int = 0) -> bool:
    if isinstance(value, _SCALARS):
        return not isinstance(value, str | bytes) or len(value) < 10_000
    # (not sets: their order, and so their repr, changes with the hash seed)
    if depth < 3 and isinstance(value, list | tuple) and len(value) < 1000:
        return all(_is_simple(item, depth + 1) for item in value)
    if depth < 3 and isinstance(value, dict) and len(value) < 1000:
        return all(_is_simple(k, depth + 1) and _is_simple(v, depth + 1) for k, v in value.items())
    return False


_ABSENT = object()


@lru_cache(maxsize=8192)
def _function_fingerprint(fn: Callable[..., Any]) -> bytes:
    target = getattr(fn, "__wrapped__", fn)
    code = getattr(target, "__code__", None)
    if code is None:  # a callable object: fingerprint its class's __call__
        call = getattr(type(target), "__call__", None)
        code = getattr(call, "__code__", None)
        if code is None:
            return repr(type(target)).encode()
    return _code_fingerprint(code, skip_docstring=True)


def _code_fingerprint(code: types.CodeType, *, skip_docstring: bool = False) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(code.co_code)
    digest.update("\0".join(code.co_names).encode())
    digest.update("\0".join(code.co_varnames).encode())
    digest.update("\0".join(code.co_freevars).encode())
    consts = code.co_consts
    # A function's first constant is its docstring, or None when it has none.
    if skip_docstring and consts and (consts[0] is None or isinstance(consts[0], str)):
        consts = consts[1:]
    for const in consts:
        digest.update(_const_fingerprint(const))
    return digest.digest()


def _const_fingerprint(const: object) -> bytes:
    if isinstance(const, types.CodeType):
        return b"code:" + _code_fingerprint(const)
    if isinstance(const, tuple | frozenset):
        items = sorted(const, key=repr) if isinstance(const, frozenset) else const
        return b"(" + b",".join(_const_fingerprint(item) for item in items) + b")"
    if isinstance(const, _SCALARS):
        return f"{type(const).__name__}:{const!r}".encode()
    return type(const).__qualname__.encode()
