"""The storage package door and the instance module import nothing heavy."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "fsspec", "pandas", "numpy", "pyarrow", "sklearn", "skops")


def test_storage_imports_are_light() -> None:
    code = (
        "import sys\n"
        "import headwater.storage, headwater.storage.sql, headwater.storage.instance\n"
        "import headwater.storage.artifacts, headwater.storage.serializers\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_package_door_exports() -> None:
    import headwater.storage as storage

    assert storage.__all__ == sorted(storage.__all__)
    for name in storage.__all__:
        assert getattr(storage, name) is not None
