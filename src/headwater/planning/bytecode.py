"""What is read from a code object: its fingerprint and the names it loads.

Code objects are immutable, so what is read from one is cached for the life of the process
(keyed by identity; the cache holds the code object, so an id is never reused while
cached). Two things are read:

* the **fingerprint**: a hash of the bytecode, names, local names and constants, nested
  code included, but not line numbers, file names or docstrings, so editing a comment or a
  docstring does not change it;
* the **references**: each name the code loads as a global, from its closure or by an
  import inside it, with the attribute chain read off it::

      utils.clean(x)                 -> ("global", "utils", ("clean",))
      from . import utils; utils.f   -> ("import", "1:utils", ("f",))

The wordcode is read directly (``dis`` is about a hundred times slower), skipping inline
caches; the opcodes are looked up by name, so Python 3.11 to 3.13 read alike.
"""

from __future__ import annotations

import hashlib
import opcode
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CODE_CACHE", "SCALARS", "CodeInfo", "Ref", "code_info"]

SCALARS = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))

#: (root kind, root name, attribute chain); the root kind is "global", "deref" or "import"
Ref = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What one code object (with the code nested in it) reads."""

    fingerprint: bytes
    refs: tuple[Ref, ...]
    #: it loads no global, closure cell or import: its code alone decides what it does
    reads_nothing: bool


CODE_CACHE: dict[int, tuple[types.CodeType, CodeInfo]] = {}
_CODE_CACHE_LIMIT = 65536


def code_info(code: types.CodeType) -> CodeInfo:
    """The fingerprint and references of ``code`` (cached for the process)."""
    cached = CODE_CACHE.get(id(code))
    if cached is not None and cached[0] is code:
        return cached[1]
    refs: dict[Ref, None] = {}
    for each in _walk_code(code):
        for ref in _scan_refs(each):
            refs[ref] = None
    info = CodeInfo(_code_fingerprint(code), tuple(refs), not refs and not code.co_freevars)
    if len(CODE_CACHE) >= _CODE_CACHE_LIMIT:
        CODE_CACHE.clear()
    CODE_CACHE[id(code)] = (code, info)  # holding the code object keeps its id unique
    return info


def _walk_code(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _walk_code(const)


def _code_fingerprint(code: types.CodeType) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(code.co_code)
    digest.update("\0".join(code.co_names).encode())
    digest.update("\0".join(code.co_varnames).encode())
    digest.update("\0".join(code.co_freevars).encode())
    consts = code.co_consts
    # A def's first constant is its docstring, or None when it has none.
    if consts and (consts[0] is None or (isinstance(consts[0], str) and not code.co_name.startswith("<"))):
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
    if isinstance(const, SCALARS):
        return f"{type(const).__name__}:{const!r}".encode()
    return type(const).__qualname__.encode()


_OP = opcode.opmap
_CACHE = _OP.get("CACHE", -1)
_EXTENDED_ARG = _OP["EXTENDED_ARG"]
_LOAD_CONST = _OP["LOAD_CONST"]
_LOAD_GLOBAL = _OP["LOAD_GLOBAL"]
_LOAD_ATTR = _OP["LOAD_ATTR"]
_STORE_NAME = _OP["STORE_NAME"]
_GLOBAL_LOADS = {_LOAD_GLOBAL, _OP["LOAD_NAME"]}
_ATTR_LOADS = {_LOAD_ATTR, _OP.get("LOAD_METHOD", -1)}
_DEREF_LOADS = {_OP["LOAD_DEREF"], _OP.get("LOAD_CLASSDEREF", -1)}
_LOCAL_LOADS = {_OP["LOAD_FAST"], _OP.get("LOAD_FAST_CHECK", -1)}
_LOCAL_STORES = {_OP["STORE_FAST"], _STORE_NAME}
_IMPORT_NAME = _OP["IMPORT_NAME"]
_IMPORT_FROM = _OP["IMPORT_FROM"]
#: what may come between an import and the stores of the names it binds
_IMPORT_STEPS = {_IMPORT_FROM, *_LOCAL_STORES, _OP.get("SWAP", -1), _OP["POP_TOP"]}
_PY312 = sys.version_info >= (3, 12)


def _scan_refs(code: types.CodeType) -> Iterator[Ref]:
    """The names ``code`` loads and the attribute chains read off them, from its bytecode.

    Reads the wordcode directly (``dis`` is a hundred times slower): inline caches are
    skipped, and a chain is a load followed by attribute loads. Imports inside the function
    are followed too: ``from . import utils`` then ``utils.clean`` is ``("import", "1:utils",
    ("clean",))``.
    """
    names = code.co_names
    raw = code.co_code
    chain: list[str] | None = None
    root: tuple[str, str] | None = None
    consts: list[object] = [0, None]  # the last two LOAD_CONST values: an import's level and fromlist
    importing: _Import | None = None
    local_imports: dict[str, tuple[str, tuple[str, ...]]] = {}
    extended = 0
    for offset in range(0, len(raw), 2):
        op, arg = raw[offset], raw[offset + 1] | extended
        if op == _CACHE:
            continue
        if op == _EXTENDED_ARG:
            extended = arg << 8
            continue
        extended = 0
        if op in _ATTR_LOADS and chain is not None:
            chain.append(names[arg >> 1 if _PY312 and op == _LOAD_ATTR else arg])
            continue
        if chain is not None and root is not None:
            yield (root[0], root[1], tuple(chain))
            chain, root = None, None
        if importing is not None and op not in _IMPORT_STEPS:
            importing = None
        if op in _GLOBAL_LOADS:
            root, chain = ("global", names[arg >> 1 if op == _LOAD_GLOBAL else arg]), []
        elif op in _DEREF_LOADS:
            root, chain = ("deref", _local_name(code, arg)), []
        elif op in _LOCAL_LOADS:
            bound = local_imports.get(_local_name(code, arg))
            if bound is not None:
                root, chain = ("import", bound[0]), list(bound[1])
        elif op == _LOAD_CONST:
            consts = [consts[-1], code.co_consts[arg]]
        elif op == _IMPORT_NAME:
            level = consts[0] if isinstance(consts[0], int) else 0
            module = names[arg]
            binds_top = not consts[1] and not level  # ``import a.b`` binds ``a``
            importing = _Import(f"{level}:{module.partition('.')[0] if binds_top else module}")
            yield ("import", f"{level}:{module}", ())
        elif op == _IMPORT_FROM and importing is not None:
            importing.attrs = (names[arg],) if importing.stored else (*importing.attrs, names[arg])
            importing.stored = False
            yield ("import", importing.spec, importing.attrs)
        elif op in _LOCAL_STORES and importing is not None:
            name = names[arg] if op == _STORE_NAME else _local_name(code, arg)
            local_imports[name] = (importing.spec, importing.attrs)
            importing.stored = True
    if chain is not None and root is not None:
        yield (root[0], root[1], tuple(chain))


@dataclass(slots=True)
class _Import:
    """An import being read: the module spec (``level:name``) and the names taken from it."""

    spec: str
    attrs: tuple[str, ...] = ()
    stored: bool = False


def _local_name(code: types.CodeType, arg: int) -> str:
    by_oparg = getattr(code, "_varname_from_oparg", None)
    if by_oparg is not None:
        return str(by_oparg(arg))
    names = code.co_varnames + code.co_cellvars + code.co_freevars
    return names[arg] if arg < len(names) else ""
