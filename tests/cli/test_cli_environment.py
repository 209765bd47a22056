"""The environment is part of a step's version: a library upgrade makes its users stale.

A real distribution, ``fakelib``, is installed into a temporary site-packages folder; the
pipeline runs in fresh processes (as a user's would) before and after it is upgraded.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PIPELINE = '''
import fakelib
from headwater import asset


@asset(cache=True)
def uses_lib() -> int:
    return fakelib.value() + 1


@asset(cache="code")
def ignores_env() -> int:
    return fakelib.value()


@asset
def doubled(uses_lib: int) -> int:
    return uses_lib * 2
'''


def install_fakelib(site: Path, version: str) -> None:
    (site / "fakelib").mkdir(parents=True, exist_ok=True)
    (site / "fakelib" / "__init__.py").write_text("def value():\n    return 41\n")
    for old in site.glob("fakelib-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info = site / f"fakelib-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakelib\nVersion: {version}\n")
    (info / "top_level.txt").write_text("fakelib\n")
    (info / "RECORD").write_text("fakelib/__init__.py,,\n")


def test_a_library_upgrade_reruns_its_users_unless_cache_is_code(cli_process, home, tmp_path, monkeypatch) -> None:
    site = tmp_path / "lib" / "site-packages"
    install_fakelib(site, "1.0")
    monkeypatch.setenv("PYTHONPATH", str(site))
    pipeline = tmp_path / "uses_lib.py"
    pipeline.write_text(textwrap.dedent(PIPELINE))
    first = cli_process("materialize", "-f", str(pipeline))
    assert first.returncode == 0, first.stdout + first.stderr

    install_fakelib(site, "1.1")
    listing = cli_process("assets", "list", "-f", str(pipeline)).stdout
    assert re.search(r"uses_lib .*stale \(environment changed: fakelib 1\.0 -> 1\.1\)", listing), listing
    assert re.search(r"ignores_env .*fresh", listing), listing

    again = cli_process("materialize", "-f", str(pipeline))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "✔ uses_lib success" in again.stdout
    assert "= ignores_env up to date" in again.stdout
    assert "= doubled up to date" in again.stdout  # same value from the new library: cut off
    assert "environment changed: fakelib 1.0 -> 1.1" in cli_process("runs", "show", "latest").stdout
    lineage = cli_process("lineage", "doubled").stdout
    assert re.search(r"uses_lib .*env python \d+\.\d+\.\d+, fakelib 1\.1", lineage), lineage
