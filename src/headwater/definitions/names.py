"""Names: one grammar for asset keys, task ids, DAG ids, group, job and schedule names.

A **name** is 1 to 250 characters, each an ASCII letter, a digit, ``_``, ``-`` or ``.``.
That is exactly what Airflow allows in a ``dag_id`` or ``task_id``, and a superset of
Dagster's names (``[A-Za-z0-9_]``), so files of both dialects keep their names. An **asset
key** is one name, or several joined by ``/`` (``raw/iris``, Dagster's multi-part keys);
no part may be ``.`` or ``..``, because each part is a folder of the artifact store.

The grammar leaves out every character that means something elsewhere: ``,`` ``+`` ``*``
and ``:`` are selection syntax (``a,b``, ``+model``, ``tag:k=v``), whitespace is trimmed
from selection terms, and NUL, ``\\``, ``..`` and absolute paths would escape or break a
file name. So every accepted name is selectable by itself (``--select NAME``) and storable,
and a bad one is refused where it is defined, with the offending character and position::

    >>> check_asset_key("raw/iris")
    'raw/iris'
    >>> check_asset_key("a,b")
    Traceback (most recent call last):
    headwater.errors.InvalidNameError: invalid asset name 'a,b': ',' at position 1 is not allowed; ...
"""

from __future__ import annotations

import re
import string

from headwater.errors import InvalidNameError

__all__ = ["MAX_NAME_LENGTH", "check_asset_key", "check_name"]

#: Airflow's limit on ids (``ID_LEN``); also below every file system's limit on a file name
MAX_NAME_LENGTH = 250
_ALLOWED = frozenset(string.ascii_letters + string.digits + "_-.")
#: the grammar as patterns, for the quick accept of a valid name (the checks below explain a bad one)
_VALID_NAME = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_NAME_LENGTH}}}")
_VALID_KEY = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_NAME_LENGTH}}}(?:/[A-Za-z0-9_.\-]{{1,{MAX_NAME_LENGTH}}})*")
_DOT_PARTS = re.compile(r"(?:^|/)\.{1,2}(?:/|$)")
_GRAMMAR = "names use letters, digits, _ - ."
_KEY_GRAMMAR = "keys are names (letters, digits, _ - .) joined by /"


def check_name(name: object, what: str, *, where: str = "") -> str:
    """``name`` itself, when it follows the grammar of names.

    Args:
        name: the name to check.
        what: what it names, for the message (``"task_id"``, ``"group name"``).
        where: the definition site (``file:line``), for the message.

    Raises:
        InvalidNameError: naming the first offending character and its position.
    """
    if isinstance(name, str) and _VALID_NAME.fullmatch(name):
        return name
    problem = _name_problem(name, offset=0)
    if problem is not None:
        raise InvalidNameError(f"invalid {what} {name!r}{_at(where)}: {problem}; {_GRAMMAR}")
    return name  # type: ignore[return-value]  # _name_problem checked it is a str


def check_asset_key(key: object, what: str = "asset name", *, where: str = "") -> str:
    """``key`` itself, when it is one name or several joined by ``/``.

    Args:
        key: the asset key to check.
        what: what it is, for the message (``"asset name"``, ``"asset key"``).
        where: the definition site (``file:line``), for the message.

    Raises:
        InvalidNameError: naming the first offending character or part and its position.
    """
    if isinstance(key, str) and _VALID_KEY.fullmatch(key) and not _DOT_PARTS.search(key):
        return key
    if not isinstance(key, str):
        return check_name(key, what, where=where)
    grammar = _KEY_GRAMMAR if "/" in key else _GRAMMAR
    offset = 0
    for part in key.split("/"):
        problem = _name_problem(part, offset=offset)
        if problem is None and part in (".", ".."):
            problem = f"{part!r} at position {offset} is not allowed as a part: it names a folder"
        elif not part and "/" in key:
            problem = f"'/' at position {offset if offset < len(key) else offset - 1} leaves an empty part"
        if problem is not None:
            raise InvalidNameError(f"invalid {what} {key!r}{_at(where)}: {problem}; {grammar}")
        offset += len(part) + 1
    return key


def _name_problem(name: object, *, offset: int) -> str | None:
    if not isinstance(name, str):
        return f"a name is a string, not {type(name).__name__}"
    if not name:
        return "it is empty"
    for position, char in enumerate(name):
        if char not in _ALLOWED:
            return f"{char!r} at position {offset + position} is not allowed"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is {len(name)} characters long, more than {MAX_NAME_LENGTH}"
    return None


def _at(where: str) -> str:
    return f" (at {where})" if where else ""
