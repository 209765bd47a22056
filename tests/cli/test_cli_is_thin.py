"""The CLI parses, calls :mod:`headwater.services`, and renders: nothing else.

Every module under ``src/headwater/cli/`` is read as text and refused when it holds SQL
(SQLAlchemy, statements built with ``select(``/``insert(``/...), its own staleness logic
(the staleness module is reached only through the services), direct reads of the run
store, or a ``type: ignore``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import headwater.cli

CLI = Path(headwater.cli.__file__).parent
MODULES = sorted(CLI.rglob("*.py"))

FORBIDDEN = {
    "SQLAlchemy": re.compile(r"\bsqlalchemy\b", re.IGNORECASE),
    "an SQL statement": re.compile(r"(?<![.\w])(select|insert|update|delete)\(|\b(SELECT|INSERT INTO|DELETE FROM)\b"),
    "staleness logic": re.compile(r"planning\.staleness|\basset_statuses\b|\bdecide\("),
    "a direct store read": re.compile(r"\.store\.|headwater\.storage\.sql"),
    "a type: ignore": re.compile(r"type:\s*ignore"),
}


def offences(text: str) -> list[str]:
    """``what: line`` for each forbidden thing in ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in FORBIDDEN.items():
            if pattern.search(line):
                found.append(f"{what} at line {number}: {line.strip()}")
    return found


def test_the_cli_has_modules_to_check() -> None:
    names = {path.name for path in MODULES}
    assert {"main.py", "runs.py", "assets.py", "dags.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(CLI)))
def test_no_sql_no_staleness_no_store_no_ignores(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "line",
    [
        "from sqlalchemy import select",
        "rows = conn.execute(select(table))",
        "from headwater.planning.staleness import asset_statuses",
        "runs = instance.store.list_runs()",
        "x = y  # type: ignore[arg-type]",
    ],
)
def test_the_check_catches_each_kind(line: str) -> None:
    assert offences(line) != []
