"""Bad code locations and bad definitions: each is reported with its message and exit 2.

Nothing runs and no run is recorded when the definitions are invalid.
"""

from __future__ import annotations

import re


def test_cycle_is_reported_as_its_path(cli, pipeline):
    result = cli("materialize", "-f", pipeline("cycle"))
    assert result.exit_code == 2
    assert "cycle" in result.stderr
    path = re.search(r"([abc]) -> ([abc]) -> ([abc]) -> ([abc])", result.stderr)
    assert path is not None, result.stderr
    assert path.group(1) == path.group(4)
    assert {path.group(1), path.group(2), path.group(3)} == {"a", "b", "c"}
    assert "Traceback" not in result.output


def test_unknown_upstream_suggests_the_closest_name(cli, pipeline):
    result = cli("assets", "list", "-f", pipeline("missing_upstream"))
    assert result.exit_code == 2
    assert "'trainig_data'" in result.stderr
    assert "Did you mean 'training_data'?" in result.stderr


def test_duplicate_key_names_both_definition_sites(cli, pipeline):
    result = cli("materialize", "-f", pipeline("duplicate"))
    assert result.exit_code == 2
    assert "'scores'" in result.stderr
    assert len(re.findall(r"duplicate\.py:\d+", result.stderr)) == 2, result.stderr


def test_bad_cron_string_is_reported(cli, pipeline):
    result = cli("schedules", "list", "-f", pipeline("bad_cron"))
    assert result.exit_code == 2
    assert "61 * * * *" in result.stderr
    assert "broken" in result.stderr


def test_a_cron_that_never_fires_is_refused_when_the_location_loads(cli, pipeline):
    for command in (("schedules", "list"), ("materialize",)):
        result = cli(*command, "-f", pipeline("never_fires"))
        assert result.exit_code == 2, result.output
        assert "'0 0 31 2 *'" in result.stderr
        assert "schedule 'impossible'" in result.stderr
        assert "never fires" in result.stderr
        assert "Traceback" not in result.output


def test_a_name_outside_the_grammar_is_bad_input(cli, pipeline):
    result = cli("materialize", "-f", pipeline("bad_name"))
    assert result.exit_code == 2, result.output
    assert "invalid asset name 'scores,v2'" in result.stderr
    assert "',' at position 6 is not allowed" in result.stderr
    assert re.search(r"bad_name\.py:\d+", result.stderr), result.stderr
    assert "Traceback" not in result.output
    result = cli("dags", "list", "-f", pipeline("bad_task_id"))
    assert result.exit_code == 2, result.output
    assert "invalid task_id 'extract all'" in result.stderr
    assert "' ' at position 7 is not allowed" in result.stderr
    assert re.search(r"bad_task_id\.py:\d+", result.stderr), result.stderr


def test_missing_file(cli, tmp_path):
    result = cli("materialize", "-f", str(tmp_path / "nowhere.py"))
    assert result.exit_code == 2
    assert "nowhere.py" in result.stderr
    assert "not found" in result.stderr


def test_import_error_in_the_code_location(cli, pipeline):
    result = cli("materialize", "-f", pipeline("import_error"))
    assert result.exit_code == 2
    assert "headwater_no_such_module" in result.stderr
    assert "import_error.py" in result.stderr


def test_unknown_module(cli):
    result = cli("jobs", "list", "-m", "headwater_tests_no_such_package.pipeline")
    assert result.exit_code == 2
    assert "headwater_tests_no_such_package" in result.stderr


def test_file_and_module_together_is_bad_input(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"), "-m", "os")
    assert result.exit_code == 2
    assert "not both" in result.stderr


def test_no_code_location_and_no_pyproject(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("materialize")
    assert result.exit_code == 2
    assert "[tool.headwater]" in result.stderr


def test_pyproject_names_the_default_code_location(cli, pipeline, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(f'[tool.headwater]\nfile = "{pipeline("ok")}"\n')
    monkeypatch.chdir(tmp_path)
    result = cli("assets", "list")
    assert result.exit_code == 0, result.output
    assert "numbers" in result.stdout


def test_invalid_definitions_record_no_run(cli, pipeline):
    assert cli("materialize", "-f", pipeline("cycle")).exit_code == 2
    result = cli("runs", "list")
    assert result.exit_code == 0
    assert "No runs yet" in result.stdout


def test_module_code_location(cli, monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parent / "pipelines"))
    result = cli("jobs", "list", "-m", "ok")
    assert result.exit_code == 0, result.output
    assert "sums" in result.stdout


def test_a_job_selecting_an_unknown_tag_is_bad_input_for_every_command(cli, tmp_path):
    """The engine that resolves ``--select`` also checks jobs: an unmatched tag is never an empty job."""
    code = tmp_path / "tagged.py"
    code.write_text(
        "from headwater import AssetSelection, asset, define_asset_job\n"
        "@asset(tags={'tier': 'gold'})\n"
        "def scores() -> int:\n"
        "    return 1\n"
        "gold = define_asset_job('gold', selection=AssetSelection.tag('tier', 'gld'))\n"
    )
    for args in (("jobs", "list"), ("job", "run", "gold"), ("materialize",)):
        result = cli(*args, "-f", str(code))
        assert result.exit_code == 2, (args, result.output)
        assert "job 'gold': no asset has tag 'tier=gld'. Did you mean 'tier=gold'?" in result.stderr
