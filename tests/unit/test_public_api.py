"""The one public door: ``__all__`` lists exactly the public names, sorted, all importable."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import headwater

HEAVY = ["pydantic", "yaml", "pandas", "numpy", "sklearn", "sqlalchemy", "alembic", "fastapi", "typer", "rich", "dask", "distributed",
         "fsspec", "pyarrow", "croniter", "skops", "cloudpickle"]


def test_all_is_sorted_and_complete() -> None:
    public = {
        name for name, value in vars(headwater).items() if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    lazy = set(headwater._LAZY)  # loaded on first use: their modules import pydantic or the engine
    assert headwater.__all__ == sorted(headwater.__all__)
    assert set(headwater.__all__) - {"__version__"} == public | lazy
    for name in headwater.__all__:
        assert getattr(headwater, name) is not None


def test_import_headwater_is_light() -> None:
    """``import headwater`` pulls in no heavy library (checked in a fresh interpreter)."""
    code = "import sys, headwater; print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split())
    assert [name for name in HEAVY if name in loaded] == []
