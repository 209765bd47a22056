"""A long-lived worker's project modules are dropped when the code on disk changed, and only then."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from headwater.execution.executors.fresh_code import UserCode


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder on sys.path with a module ``mod_<id>`` (VALUE = 1).

    The tracker drops every project module of this process (the test modules too): they
    are put back after the test, the same objects.
    """
    name = f"mod_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
    saved = dict(sys.modules)
    sys.path.insert(0, str(tmp_path))
    yield tmp_path, name
    sys.path.remove(str(tmp_path))
    sys.modules.pop(name, None)
    sys.modules.update(saved)


def _import(name: str, code: UserCode) -> int:
    value = importlib.import_module(name).VALUE
    code.stamp_new()
    return int(value)


def test_unchanged_code_is_kept_and_changed_code_is_imported_again(project: tuple[Path, str]) -> None:
    folder, name = project
    code = UserCode()
    code.begin_run("run")
    assert _import(name, code) == 1
    assert not code.begin_run("run")  # nothing changed: the module stays
    assert name in sys.modules
    (folder / f"{name}.py").write_text("VALUE = 22\n")  # another size
    assert code.begin_run("run")
    assert name not in sys.modules and _import(name, code) == 22


def test_another_runs_code_drops_the_modules(project: tuple[Path, str]) -> None:
    _, name = project
    code = UserCode()
    code.begin_run(("one.py", ()))
    _import(name, code)
    assert code.begin_run(("two.py", ()))
    assert name not in sys.modules


def test_a_module_that_arrived_unseen_is_not_trusted(project: tuple[Path, str]) -> None:
    """Imported before the tracker saw it (as a forked worker inherits its parent's): dropped."""
    _, name = project
    importlib.import_module(name)
    code = UserCode()
    assert code.begin_run("run") and name not in sys.modules


def test_a_file_edited_while_its_step_ran_is_imported_again(project: tuple[Path, str]) -> None:
    import time

    folder, name = project
    code = UserCode()
    code.begin_run("run")
    started = time.time()
    importlib.import_module(name)
    (folder / f"{name}.py").write_text("VALUE = 3\n")  # same size: only the time tells
    code.stamp_new(since=started)
    assert code.begin_run("run") and name not in sys.modules


def test_libraries_and_headwater_stay(project: tuple[Path, str]) -> None:  # noqa: ARG001 -- puts modules back
    import json

    code = UserCode()
    code.begin_run("one")
    code.begin_run("two")
    assert sys.modules["json"] is json and "headwater.execution.executors.fresh_code" in sys.modules
