"""Loading a code location from a file, a module or pyproject.toml, and its errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from headwater.definitions.loading import load_code_location
from headwater.errors import CodeLocationError, DefinitionError, InvalidCronError

PIPELINE = """
from headwater import Definitions, ScheduleDefinition, asset, define_asset_job

@asset
def raw() -> int:
    return 1

@asset(group="ml")
def model(raw: int) -> int:
    return raw + 1

nightly = define_asset_job("nightly", selection="group:ml")
daily = ScheduleDefinition(job=nightly, cron_schedule="@daily", name="daily")
"""


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def test_file_location_collects_assets_jobs_and_schedules(tmp_path: Path) -> None:
    location = load_code_location(write(tmp_path, "pipe.py", PIPELINE))
    assert location.graph.order == ("raw", "model")
    assert set(location.jobs) == {"nightly"}
    assert set(location.schedules) == {"daily"}
    assert location.job("nightly").selection == "group:ml"


def test_module_location_and_pyproject_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "my_pipe_mod.py", PIPELINE)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert set(load_code_location(module="my_pipe_mod").graph.nodes) == {"raw", "model"}

    write(tmp_path, "pyproject.toml", '[tool.headwater]\nfile = "my_pipe_mod.py"\n')
    assert set(load_code_location(project_dir=tmp_path).graph.nodes) == {"raw", "model"}


def test_definitions_object_is_collected(tmp_path: Path) -> None:
    source = PIPELINE.replace("@asset\ndef raw", "def helper():\n    return 0\n\n@asset\ndef raw") + (
        "\ndefs = Definitions(assets=[raw, model], jobs=[nightly], executor='thread')\n"
    )
    location = load_code_location(write(tmp_path, "defs_pipe.py", source))
    assert location.executor == "thread"
    assert set(location.graph.nodes) == {"raw", "model"}


def test_missing_file_and_import_error_say_where(tmp_path: Path) -> None:
    with pytest.raises(CodeLocationError, match="code location file not found: .*nope.py"):
        load_code_location(tmp_path / "nope.py")
    broken = write(tmp_path, "broken.py", "import headwater\nvalue = 1 / 0\n")
    with pytest.raises(CodeLocationError) as caught:
        load_code_location(broken)
    assert "broken.py" in str(caught.value) and "ZeroDivisionError" in str(caught.value)
    with pytest.raises(CodeLocationError, match="syntax error in .*syntax.py"):
        load_code_location(write(tmp_path, "syntax.py", "def f(:\n"))
    with pytest.raises(CodeLocationError, match="no module named 'no_such_pipeline_module'"):
        load_code_location(module="no_such_pipeline_module")
    with pytest.raises(CodeLocationError, match="no pyproject.toml"):
        load_code_location(project_dir=tmp_path)


def test_definition_errors_pass_through_unwrapped(tmp_path: Path) -> None:
    bad_cron = PIPELINE.replace('"@daily"', '"0 25 * * *"')
    with pytest.raises(InvalidCronError, match="schedule 'daily'"):
        load_code_location(write(tmp_path, "bad_cron.py", bad_cron))
    bad_job = PIPELINE.replace("ScheduleDefinition(job=nightly,", "ScheduleDefinition(job_name='nightli',")
    with pytest.raises(DefinitionError, match="job 'nightli', which is not defined.*Did you mean 'nightly'"):
        load_code_location(write(tmp_path, "bad_job.py", bad_job))
