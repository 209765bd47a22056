"""Code loaded ahead of its run is used only for that location, while its files are unchanged and recent."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from headwater.scheduling import ahead
from headwater.scheduling.ahead import LoadedAhead, StaleCode

PIPELINE = "from headwater import asset\nfrom {helper} import BONUS\n\n@asset\ndef a() -> int:\n    return 1 + BONUS\n"


def project(tmp_path: Path, name: str) -> dict[str, str]:
    """A location importing a module of its own folder (named after the test, so each imports afresh)."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / f"{name}.py").write_text("BONUS = 0\n")
    (folder / "pipeline.py").write_text(PIPELINE.format(helper=name))
    return {"file": str(folder / "pipeline.py"), "module": None, "working_dir": str(folder)}


def launch(where: dict[str, str]) -> dict[str, object]:
    return {"location": dict(where)}


@pytest.fixture(autouse=True)
def _back_in_cwd() -> object:
    """Loading a location makes its folder the current one and puts it on sys.path: undo both."""
    cwd, path = os.getcwd(), list(sys.path)
    yield
    os.chdir(cwd)
    sys.path[:] = path


def test_an_unchanged_location_is_used_and_output_files_beside_it_do_not_matter(tmp_path: Path) -> None:
    where = project(tmp_path, "helper_same")
    loaded = LoadedAhead.load(where)
    (tmp_path / "project" / "output.csv").write_text("a,b\n")  # a run writing next to its code
    location = loaded.location_for(launch(where))
    assert location is loaded.location and "a" in location.graph


@pytest.mark.parametrize(
    "change",
    ["the location's file", "a module it imports", "a new module beside it", "another location", "too old"],
)
def test_code_that_may_not_run_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    helper = "helper_" + change.replace(" ", "_").replace("'", "")
    where = project(tmp_path, helper)
    loaded = LoadedAhead.load(where)
    folder = tmp_path / "project"
    asked = dict(where)
    if change == "the location's file":
        (folder / "pipeline.py").write_text(PIPELINE.format(helper=helper) + "# edited\n")
    elif change == "a module it imports":
        (folder / f"{helper}.py").write_text("BONUS = 100\n")
    elif change == "a new module beside it":
        (folder / "headwater.py").write_text("")  # would shadow an import
    elif change == "another location":
        asked["file"] = str(folder / "other.py")
    else:
        monkeypatch.setattr(ahead, "FRESH", -1.0)
    with pytest.raises(StaleCode):
        loaded.location_for(launch(asked))


def test_a_location_that_did_not_load_ahead_is_loaded_by_a_clean_process(tmp_path: Path) -> None:
    where = project(tmp_path, "helper_broken")
    (tmp_path / "project" / "pipeline.py").write_text("def broken(:\n")
    loaded = LoadedAhead.load(where)
    assert loaded.location is None
    with pytest.raises(StaleCode, match="did not load"):
        loaded.location_for(launch(where))
