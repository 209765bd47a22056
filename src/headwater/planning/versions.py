"""Code versions: a stable hash of everything of the project's own code that a step runs.

A step's version covers its function and, transitively, every function, lambda, class and
method of the *project's* code it reaches, with the simple constants each of them reads::

    TEST_SIZE = 0.2                         # constant TEST_SIZE

    def _split(frame):                      # helper _split
        return train_test_split(frame, test_size=TEST_SIZE)

    @asset
    def model(features):                    # body
        return fit(*_split(features))

Editing ``_split``'s body or ``TEST_SIZE`` changes ``model``'s version; editing a comment, a
blank line or a docstring does not. The version is the hash of a map of *components*
(``{"body": .., "helper _split": .., "constant TEST_SIZE": ..}``), which is stored with each
materialization so a change can be named (:func:`describe_code_change`).

What is reached
---------------
From a function: the names its bytecode loads as globals (``LOAD_GLOBAL``), from its closure
(``LOAD_DEREF``) and from imports inside it, each followed through attribute access on
modules (``utils.clean``, ``mypkg.helpers.f``); its default arguments; what it wraps
(``__wrapped__``). A reached value is:

* a function of the project (a lambda too): a component, walked in turn;
* a class of the project (or an instance of one): a component (its simple class attributes
  and bases) and each of its methods, walked in turn, since any of them may run;
* a simple constant (numbers, strings, and lists, tuples and dicts of them): a component;
* anything from elsewhere (a library's function, class or module): not a component, but its
  top-level module is noted (``sklearn``), for the environment (see
  :mod:`headwater.planning.environment`).

*Project code* is code whose file is outside the standard library and outside
site-packages/dist-packages (``sysconfig`` paths), and not Headwater's own.

Caching
-------
Code objects are immutable, so what is read from one (its fingerprint, the names it loads)
is cached for the life of the process. Module globals, defaults and closure cells are not:
they are looked up again by every :class:`Versioner`, which is one versioning pass (a plan,
a listing) and remembers, for that pass only, what each function reaches, so helpers shared
by a thousand assets are walked once. Cycles (recursion, mutual calls) end at functions
already visited. The hash is the same in every process on the same Python version (no
``id()``, no address, no hash seed in it).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from headwater.planning.bytecode import SCALARS, code_info

__all__ = [
    "CodeVersion", "Versioner", "code_version_of", "describe_code_change", "is_project_file", "with_run_inputs",
]

#: the component naming the step's own function
BODY = "body"
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class CodeVersion:
    """The code version of one step.

    Attributes:
        version: 16 hex digits; derived from ``code_version=`` alone when that is given.
        components: what the version covers, label -> 16 hex digits (``"helper _split"``).
        modules: top-level names of the modules outside the project that the code reaches
            (``"sklearn"``, ``"pandas"``), whose distributions make its environment.
    """

    version: str
    components: Mapping[str, str]
    modules: frozenset[str]


def code_version_of(fn: Callable[..., Any], override: str | None = None) -> str:
    """The code version of ``fn``: 16 hex digits, or derived from ``override`` when given."""
    return Versioner().version_of(fn, override).version


def with_run_inputs(code: CodeVersion, label: str, values: Mapping[str, Any] | None) -> CodeVersion:
    """``code`` covering also what the run gives the step (its run config): other values give
    another version, and ``describe_code_change`` names ``label`` as what changed."""
    if values is None:
        return code
    text = json.dumps(values, sort_keys=True, default=str).encode()
    part = hashlib.blake2b(text, digest_size=8).hexdigest()
    version = hashlib.blake2b(f"{code.version}\0{label}\0{part}".encode(), digest_size=8).hexdigest()
    return CodeVersion(version, {**code.components, label: part}, code.modules)


def describe_code_change(previous: Mapping[str, str], current: Mapping[str, str]) -> str:
    """What changed between two component maps, in words: ``code changed: helper _split``.

    An empty ``previous`` (a materialization recorded before components were kept) gives
    ``code changed``.
    """
    if not previous:
        return "code changed"
    changed = [label for label in current if label in previous and previous[label] != current[label]]
    added = [f"{label} added" for label in current if label not in previous]
    removed = [f"{label} removed" for label in previous if label not in current]
    parts = sorted(changed, key=_label_order) + added + removed
    if not parts:  # same components, different version: an override changed
        return "code changed"
    shown = parts[:4] + ([f"and {len(parts) - 4} more"] if len(parts) > 4 else [])
    return "code changed: " + ", ".join(shown)


def _label_order(label: str) -> tuple[int, str]:
    return (0 if label == BODY else 1, label)


class Versioner:
    """One versioning pass: versions many steps, walking each shared helper once.

    Make a new one for each plan or listing: it remembers the globals, defaults and
    closures it saw, which may change between passes. What a helper reaches, transitively,
    is summed up once and reused by every step that calls it; a summary is kept only when
    its walk closed no cycle through a function still being walked (Tarjan's low-link), as
    such a walk saw only part of what the function reaches.
    """

    def __init__(self) -> None:
        self._reach: dict[int, _Reach] = {}
        self._summaries: dict[tuple[int, str | None, str | None], _Summary] = {}
        self._keep: list[object] = []  # the walked objects stay alive, so their ids stay theirs

    def version_of(self, fn: Callable[..., Any], override: str | None = None) -> CodeVersion:
        """The code version of ``fn`` (or of ``override``, when given).

        Args:
            fn: the step's function.
            override: the node's ``code_version=``, which replaces the derived version.
        """
        root = _unwrap_root(fn)
        if override is None and isinstance(root, types.FunctionType) and root.__defaults__ is None:
            alone = _alone(root)
            if alone is not None:
                return alone
        root_module = getattr(root, "__module__", None)
        reach = self._reach_of(root)
        components = {BODY: reach.digest}
        _merge(components, _constants(reach, root_module))
        modules = set(reach.modules)
        walking = {id(root): 0}
        for child, name in reach.objects:
            if id(child) not in walking:
                summary, _ = self._summary(child, name, root_module, walking, 1)
                _merge(components, summary.components)
                modules |= summary.modules
        if override is not None:
            version = _short(b"override\0" + override.encode())
            return CodeVersion(version, {"code_version": _short(override.encode())}, frozenset(modules))
        text = "\0".join(f"{label}\0{components[label]}" for label in sorted(components))
        return CodeVersion(_short(text.encode()), components, frozenset(modules))

    def _summary(
        self, obj: object, name: str | None, root_module: str | None, walking: dict[int, int], depth: int
    ) -> tuple[_Summary, int]:
        """Everything ``obj`` reaches, with the lowest depth of a function still being walked
        that the walk came back to (``depth`` or more: none)."""
        key = (id(obj), name, root_module)
        known = self._summaries.get(key)
        if known is not None:
            return known, depth
        reach = self._reach_of(obj)
        components = {_label(reach, root_module, name): reach.digest}
        _merge(components, _constants(reach, root_module))
        modules = set(reach.modules)
        low = depth
        walking[id(obj)] = depth
        for child, child_name in reach.objects:
            at = walking.get(id(child))
            if at is not None:
                low = min(low, at)
                continue
            summary, child_low = self._summary(child, child_name, root_module, walking, depth + 1)
            low = min(low, child_low)
            _merge(components, summary.components)
            modules |= summary.modules
        del walking[id(obj)]
        found = _Summary(components, frozenset(modules))
        if low >= depth:
            self._summaries[key] = found
        return found, low

    def _reach_of(self, obj: object) -> _Reach:
        found = self._reach.get(id(obj))
        if found is None:
            found = _reach_of_class(obj) if isinstance(obj, type) else _reach_of_function(obj)
            self._reach[id(obj)] = found
            self._keep.append(obj)
        return found


@dataclass(frozen=True, slots=True)
class _Summary:
    """Everything one function or class reaches: components and outside modules."""

    components: dict[str, str]
    modules: frozenset[str]


def _merge(into: dict[str, str], components: Mapping[str, str]) -> None:
    """Add ``components``; two different things with one label both count (hashed together)."""
    for label, digest in components.items():
        known = into.get(label)
        if known is None:
            into[label] = digest
        elif known != digest:
            into[label] = _short(f"{known}{digest}".encode())


def _constants(reach: _Reach, root_module: str | None) -> dict[str, str]:
    return {_relative(label, reach.module, root_module): digest for label, digest in reach.constants}


# -- what one function or class reaches ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reach:
    """One function's or class's own fingerprint and what it reaches directly."""

    kind: str  # "helper", "lambda", "method" or "class"
    qualname: str
    module: str | None
    where: str
    digest: str
    #: (label, digest) of the simple constants it reads, labels relative to its module
    constants: tuple[tuple[str, str], ...]
    #: (object, the name it was reached by) of the project's functions and classes it reaches
    objects: tuple[tuple[object, str | None], ...]
    modules: frozenset[str]


_ALONE: dict[int, tuple[types.CodeType, CodeVersion]] = {}


def _alone(fn: types.FunctionType) -> CodeVersion | None:
    """The version of a function that reads no global, closure or default: its code's alone."""
    code = fn.__code__
    if fn.__kwdefaults__ or getattr(fn, "__wrapped__", None) is not None:
        return None
    known = _ALONE.get(id(code))
    if known is not None and known[0] is code:
        return known[1]
    info = code_info(code)
    if not info.reads_nothing:
        return None
    digest = _short(info.fingerprint)
    alone = CodeVersion(_short(f"{BODY}\0{digest}".encode()), MappingProxyType({BODY: digest}), frozenset())
    if len(_ALONE) >= 65536:
        _ALONE.clear()
    _ALONE[id(code)] = (code, alone)
    return alone


def _unwrap_root(fn: Callable[..., Any]) -> Any:
    target = getattr(fn, "__wrapped__", fn)
    if getattr(target, "__code__", None) is None:  # a callable object: its class's __call__
        call = getattr(type(target), "__call__", None)
        if getattr(call, "__code__", None) is not None:
            return call
    return target


def _reach_of_function(fn: Any) -> _Reach:
    code = getattr(fn, "__code__", None)
    qualname = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(type(fn))))
    module = getattr(fn, "__module__", None)
    if not isinstance(code, types.CodeType):
        return _Reach("helper", qualname, module, qualname, _short(repr(type(fn)).encode()), (), (), frozenset())
    info = code_info(code)
    namespace = getattr(fn, "__globals__", None) or {}
    found = _Found()
    own = [info.fingerprint]
    for value in (*(getattr(fn, "__defaults__", None) or ()), *(getattr(fn, "__kwdefaults__", None) or {}).values()):
        if _is_simple(value):
            own.append(repr(value).encode())
        else:
            found.value(value, None)
    cells = dict(zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False))
    for root_kind, root_name, attrs in info.refs:
        if root_kind == "global":
            value = namespace.get(root_name, _ABSENT)
            _follow(found, value, attrs, root_name)
        elif root_kind == "deref":
            try:
                value = cells[root_name].cell_contents if root_name in cells else _ABSENT
            except ValueError:  # an empty cell
                value = _ABSENT
            _follow(found, value, attrs, root_name)  # a simple value is a constant, named
        else:
            _follow(found, _imported(root_name, namespace), attrs, None)
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        found.value(wrapped, None)
    kind = "lambda" if code.co_name == "<lambda>" else "method" if "." in qualname and "<locals>" not in qualname else "helper"
    return _Reach(
        kind, qualname, module, f"{code.co_filename}:{code.co_firstlineno}", _short(b"\0".join(own)),
        tuple(found.constants.items()), tuple(found.objects), frozenset(found.modules),
    )


def _reach_of_class(cls: type) -> _Reach:
    found = _Found()
    own = [b"class", ",".join(f"{b.__module__}.{b.__qualname__}" for b in cls.__bases__).encode()]
    for name, value in vars(cls).items():
        if name in _CLASS_NOISE:
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if isinstance(value, property):
            for accessor in (value.fget, value.fset, value.fdel):
                if accessor is not None:
                    found.value(accessor, None)
            continue
        if _is_simple(value):
            own.append(f"{name}={value!r}".encode())
        else:
            found.value(value, None)
    for base in cls.__bases__:
        found.value(base, None)
    return _Reach(
        "class", cls.__qualname__, cls.__module__, f"{cls.__module__}.{cls.__qualname__}", _short(b"\0".join(own)),
        tuple(found.constants.items()), tuple(found.objects), frozenset(found.modules),
    )


_CLASS_NOISE = frozenset({
    "__module__", "__qualname__", "__doc__", "__dict__", "__weakref__", "__firstlineno__", "__static_attributes__",
    "__annotations__", "__slots__", "__orig_bases__", "__parameters__",
})


class _Found:
    """What one function reaches, being gathered."""

    def __init__(self) -> None:
        self.constants: dict[str, str] = {}
        self.objects: list[tuple[object, str | None]] = []
        self.modules: set[str] = set()

    def value(self, value: object, name: str | None) -> None:
        """Sort one reached value into a constant, a project object to walk, or a module."""
        if value is _ABSENT or isinstance(value, types.ModuleType):
            if isinstance(value, types.ModuleType) and not _is_project_module(value):
                self.modules.add(value.__name__.partition(".")[0])
            return
        if name is not None and _is_simple(value):
            self.constants[f"constant {name}"] = _short(f"{type(value).__name__}:{value!r}".encode())
            return
        if isinstance(value, functools.partial):
            self.value(value.func, name)
            for argument in (*value.args, *value.keywords.values()):
                self.value(argument, None)
            return
        if isinstance(value, types.MethodType):
            self.value(value.__func__, name)
            return
        if isinstance(value, types.FunctionType):
            if is_project_file(value.__code__.co_filename):
                self.objects.append((value, name))
            else:
                self._note_module(getattr(value, "__module__", None))
            return
        if isinstance(value, type):
            if _is_project_class(value):
                self.objects.append((value, name))
            else:
                self._note_module(value.__module__)
            return
        if callable(value) or not _is_simple(value):
            kind = type(value)
            if _is_project_class(kind):
                self.objects.append((kind, None))
                state = getattr(value, "__dict__", None)
                if name is not None and isinstance(state, dict) and _is_simple(state):
                    # an instance of a project class holding simple values: a constant too
                    self.constants[f"constant {name}"] = _short(f"{kind.__qualname__}:{state!r}".encode())
            else:
                self._note_module(getattr(value, "__module__", None) or kind.__module__)

    def _note_module(self, module: object) -> None:
        if isinstance(module, str) and module:
            self.modules.add(module.partition(".")[0])


def _follow(found: _Found, value: object, attrs: tuple[str, ...], name: str | None) -> None:
    """Follow ``value.attr1.attr2`` through project modules, then sort what it reaches."""
    path = name
    for attr in attrs:
        if not isinstance(value, types.ModuleType) or not _is_project_module(value):
            break
        value = getattr(value, attr, _ABSENT)
        path = f"{path}.{attr}" if path else attr
    found.value(value, path)


def _imported(spec: str, namespace: Mapping[str, Any]) -> object:
    """The module an import inside a function names (``"1:utils"`` is ``from . import``), if loaded."""
    level, _, name = spec.partition(":")
    if int(level):
        package = namespace.get("__package__") or namespace.get("__name__", "")
        try:
            name = importlib.util.resolve_name("." * int(level) + name, package)
        except (ImportError, ValueError):
            return _ABSENT
    return sys.modules.get(name, _ABSENT)


def _label(reach: _Reach, root_module: str | None, name: str | None) -> str:
    qualname = reach.qualname
    if reach.kind == "lambda":  # a lambda is known by the name it was reached by, else by its place
        qualname = name or f"at {os.path.basename(reach.where)}"
        if not name:
            return f"lambda {qualname}"
    if reach.module and reach.module != root_module:
        qualname = f"{reach.module}.{qualname}"
    return f"{reach.kind} {qualname}"


def _relative(constant_label: str, module: str | None, root_module: str | None) -> str:
    if module is None or module == root_module:
        return constant_label
    kind, _, name = constant_label.partition(" ")
    return f"{kind} {module}.{name}"


def _is_simple(value: object, depth: int = 0) -> bool:
    if isinstance(value, SCALARS):
        return not isinstance(value, str | bytes) or len(value) < 10_000
    # (not sets: their order, and so their repr, changes with the hash seed)
    if depth < 3 and isinstance(value, list | tuple) and len(value) < 1000:
        return all(_is_simple(item, depth + 1) for item in value)
    if depth < 3 and isinstance(value, dict) and len(value) < 1000:
        return all(_is_simple(k, depth + 1) and _is_simple(v, depth + 1) for k, v in value.items())
    return False


def _short(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


# -- project code ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _outside_roots() -> tuple[str, ...]:
    import site

    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.update(getattr(site, "getsitepackages", list)())
    user_site = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user_site, str):
        roots.add(user_site)
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # Headwater itself
    return tuple(sorted(os.path.join(os.path.realpath(root), "") for root in roots if root))


@functools.lru_cache(maxsize=16384)
def is_project_file(filename: str) -> bool:
    """Whether code from ``filename`` is the project's own (not the standard library,
    site-packages/dist-packages, or Headwater). Code compiled from a string (``<string>``,
    a notebook cell) is the project's; frozen standard modules are not."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    path = os.path.realpath(filename)
    parts = path.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return False
    return not path.startswith(_outside_roots())


def _is_project_module(module: types.ModuleType) -> bool:
    file = getattr(module, "__file__", None)
    return isinstance(file, str) and is_project_file(file)


def _is_project_class(cls: type) -> bool:
    module = sys.modules.get(cls.__module__)
    if module is not None and getattr(module, "__file__", None):
        return _is_project_module(module)
    return any(
        isinstance(value, types.FunctionType) and is_project_file(value.__code__.co_filename)
        for value in vars(cls).values()
    )
