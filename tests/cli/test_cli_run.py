"""``headwater materialize`` and ``headwater job run``: live output, exit codes, what is stored."""

from __future__ import annotations

import re

import pytest

RUN_ID = re.compile(r"headwater runs show (\S+)")


def run_id_of(output: str) -> str:
    match = RUN_ID.search(output)
    assert match is not None, output
    return match.group(1)


def test_materialize_shows_each_steps_output_prefixed_by_its_key(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[numbers] making numbers" in out
    assert "[total] summing 3 numbers" in out
    assert "[report] reporting 6" in out
    assert "[report] a warning from a library" in out
    # the lines come in the order the steps ran
    assert out.index("[numbers]") < out.index("[total]") < out.index("[report]")
    assert "SUCCESS" in out
    assert "3 succeeded" in out
    assert f"headwater runs show {run_id_of(out)}" in out


def test_quiet_hides_step_output_but_keeps_the_summary(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"), "--quiet")
    assert result.exit_code == 0, result.output
    assert "[numbers]" not in result.stdout
    assert "making numbers" not in result.stdout
    assert "SUCCESS" in result.stdout
    assert "headwater runs show" in result.stdout


def test_select_runs_only_the_selection(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"), "--select", "+total")
    assert result.exit_code == 0, result.output
    assert "[numbers] making numbers" in result.stdout
    assert "[total] summing" in result.stdout
    assert "[report]" not in result.stdout
    assert "2 succeeded" in result.stdout


def test_select_by_group_and_tag(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    result = cli("materialize", "-f", pipeline("ok"), "--select", "group:reports,tag:tier=bronze", "--force")
    assert result.exit_code == 0, result.output
    assert "[numbers] making numbers" in result.stdout
    assert "[report] reporting 6" in result.stdout
    assert "[total]" not in result.stdout


def test_bad_selection_is_bad_input(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"), "--select", "totl")
    assert result.exit_code == 2
    assert "'totl'" in result.stderr
    assert "total" in result.stderr  # the close match
    assert "No runs yet" in cli("runs", "list").stdout


def test_rerun_skips_up_to_date_steps_unless_forced(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    again = cli("materialize", "-f", pipeline("ok"))
    assert again.exit_code == 0, again.output
    # the source reruns (it reads again what may have changed); same data: downstream skips
    assert "[numbers] making numbers" in again.stdout
    assert "summing" not in again.stdout
    assert "2 up to date" in again.stdout
    forced = cli("materialize", "-f", pipeline("ok"), "--force")
    assert forced.exit_code == 0
    assert "[numbers] making numbers" in forced.stdout


def test_unknown_executor_is_bad_input(cli, pipeline):
    result = cli("materialize", "-f", pipeline("ok"), "--executor", "warp-drive")
    assert result.exit_code == 2
    assert "warp-drive" in result.stderr


def test_failing_asset_fails_the_run(cli, pipeline, home):
    result = cli("materialize", "-f", pipeline("failing"))
    assert result.exit_code == 1
    out = result.stdout
    assert "[boom] about to fail" in out
    assert "[independent] independent ran" in out
    assert re.search(r"✘ boom: .*boom went wrong", out), out
    # where it was raised, in the user's file, not in Headwater's
    assert re.search(r"\n  at .*/tests/cli/pipelines/failing\.py:\d+ in boom\n", out), out
    assert "FAILURE" in out
    run_id = run_id_of(out)

    from headwater.storage.instance import Instance

    instance = Instance.get()
    try:
        store = instance.store
        assert str(store.get_run(run_id).status) == "FAILURE"
        steps = {s.step_key: s for s in store.get_steps(run_id)}
        assert str(steps["boom"].status) == "FAILURE"
        assert str(steps["after_boom"].status) == "UPSTREAM_FAILED"
        assert "boom" in (steps["after_boom"].reason or "")
        assert str(steps["independent"].status) == "SUCCESS"
        # nothing of the failed step, nor of what it blocked, is recorded as materialized
        assert store.get_materializations(asset_key="boom") == []
        assert store.get_materializations(asset_key="after_boom") == []
        assert {m.asset_key for m in store.get_materializations(run_id=run_id)} == {"root", "independent"}
    finally:
        instance.close()


def test_runs_show_prints_the_traceback_of_a_failed_step(cli, pipeline):
    assert cli("materialize", "-f", pipeline("failing"), "-q").exit_code == 1
    result = cli("runs", "show", "latest")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "FAILURE" in out
    assert "UPSTREAM_FAILED" in out
    assert "about to fail" in out
    assert "Traceback" in out
    assert "ValueError: boom went wrong" in out
    assert 'failing.py", line' in out  # the user's frame is in the traceback
    assert "headwater/execution" not in out  # and Headwater's are not
    full = cli("runs", "show", "latest", "--full-traceback").stdout
    assert 'failing.py", line' in full
    assert "headwater/execution/step.py" in full  # the stored traceback is whole


def test_job_run_runs_the_jobs_selection_with_its_name(cli, pipeline):
    result = cli("job", "run", "sums", "-f", pipeline("ok"))
    assert result.exit_code == 0, result.output
    assert "[total] summing 3 numbers" in result.stdout
    assert "[report]" not in result.stdout
    listing = cli("runs", "list")
    assert "sums" in listing.stdout


def test_job_run_with_tags(cli, pipeline):
    result = cli("jobs", "run", "everything", "-f", pipeline("ok"), "-q")
    assert result.exit_code == 0, result.output
    shown = cli("runs", "show", run_id_of(result.stdout))
    assert "team=ml" in shown.stdout
    assert "everything" in shown.stdout


def test_unknown_job_suggests_close_matches(cli, pipeline):
    result = cli("job", "run", "sum", "-f", pipeline("ok"))
    assert result.exit_code == 2
    assert "'sum'" in result.stderr
    assert "Did you mean 'sums'" in result.stderr


def test_job_run_failing_exits_1(cli, pipeline, tmp_path):
    location = tmp_path / "failing_job.py"
    location.write_text(
        "from headwater import asset, define_asset_job\n"
        "@asset\n"
        "def broken() -> int:\n"
        "    raise RuntimeError('nope')\n"
        "job = define_asset_job('broken_job', selection='*')\n"
    )
    result = cli("job", "run", "broken_job", "-f", str(location))
    assert result.exit_code == 1
    assert "nope" in result.stdout


@pytest.mark.parametrize("args", [["materialize", "--nope"], ["runs", "show"], ["job", "run"], ["bogus"]])
def test_usage_errors_exit_2(cli, args):
    assert cli(*args).exit_code == 2
