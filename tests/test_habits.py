"""Habits that keep the code changeable, checked on every pytest run.

* ``mypy`` passes over ``src/`` (strict on settings, errors and storage: see
  ``[tool.mypy]`` in ``pyproject.toml``), so a type error fails the suite like a bug;
* the package ships ``py.typed``, so users' type checkers read our annotations;
* no test skips itself when a dependency is missing (``importorskip``): the test suite
  installs every dependency it needs, and a missing one must fail loudly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_type_errors_in_src() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-color-output", "--no-error-summary"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"mypy found type errors:\n{result.stdout}{result.stderr}"


def test_the_imported_package_has_py_typed() -> None:
    import headwater

    assert (Path(headwater.__file__).parent / "py.typed").is_file()


@pytest.mark.slow
def test_the_built_wheel_ships_py_typed(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("headwater-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "headwater/py.typed" in names
    assert "headwater/storage/sql/migrations/env.py" in names


def test_no_test_skips_itself_over_a_missing_dependency() -> None:
    needle = "importor" + "skip"
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "tests").rglob("*.py")
        if path != Path(__file__).resolve() and needle in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
