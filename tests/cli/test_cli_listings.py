"""The listing commands: version, assets, jobs, schedules, runs."""

from __future__ import annotations

import re


def test_version(cli):
    from importlib.metadata import version

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"headwater {version('headwater')}"


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("materialize", "job", "jobs", "assets", "schedules", "runs"):
        assert command in result.stdout


def test_assets_list(cli, pipeline):
    result = cli("assets", "list", "-f", pipeline("ok"))
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 3}
    assert set(rows) >= {"numbers", "total", "report"}
    assert "demo" in rows["numbers"] and "Three numbers." in rows["numbers"]
    assert "numbers" in rows["total"].split("│")[4]  # upstream column
    assert "reports" in rows["report"]
    assert "never" in rows["report"]


def test_assets_list_shows_when_each_was_last_materialized(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "--select", "numbers", "-q").exit_code == 0
    result = cli("assets", "list", "-f", pipeline("ok"))
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 3}
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", lines["numbers"])
    assert "never" in lines["total"]


def test_jobs_list(cli, pipeline):
    result = cli("jobs", "list", "-f", pipeline("ok"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sums" in out and "+total" in out and "numbers and their sum" in out
    assert "everything" in out and "nightly" in out


def test_jobs_list_without_jobs(cli, pipeline):
    result = cli("jobs", "list", "-f", pipeline("failing"))
    assert result.exit_code == 0
    assert "No jobs" in result.stdout


def test_schedules_list(cli, pipeline):
    result = cli("schedules", "list", "-f", pipeline("ok"))
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "nightly" in line)
    assert "everything" in line
    assert "0 2 * * *" in line
    assert "Europe/Paris" in line
    assert "STOPPED" in line
    # the next tick is 02:00 in Paris
    assert re.search(r"\d{4}-\d\d-\d\d 02:00\+0[12]:00", line), line


def test_runs_list_empty(cli):
    result = cli("runs", "list")
    assert result.exit_code == 0
    assert "No runs yet" in result.stdout


def test_runs_list_newest_first_and_limited(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-s", "numbers", "-q").exit_code == 0
    assert cli("materialize", "-f", pipeline("failing"), "-q").exit_code == 1
    result = cli("runs", "list")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "SUCCESS" in line or "FAILURE" in line]
    assert len(lines) == 2
    assert "FAILURE" in lines[0] and "SUCCESS" in lines[1]
    limited = cli("runs", "list", "--limit", "1")
    assert "FAILURE" in limited.stdout and "SUCCESS" not in limited.stdout
    only_success = cli("runs", "list", "--status", "success")
    assert "SUCCESS" in only_success.stdout and "FAILURE" not in only_success.stdout


def test_runs_list_filters_and_pages(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-s", "numbers", "-q").exit_code == 0
    assert cli("materialize", "-f", pipeline("failing"), "-q").exit_code == 1
    assert cli("materialize", "-f", pipeline("ok"), "-s", "numbers", "-q", "--force").exit_code == 0
    first = cli("runs", "list", "--limit", "2")
    assert first.exit_code == 0, first.output
    cursor = re.search(r"More: headwater runs list --before (\S+)", first.stdout)
    assert cursor is not None, first.stdout
    rest = cli("runs", "list", "--limit", "2", "--before", cursor.group(1))
    assert [w for w in ("SUCCESS", "FAILURE") if w in rest.stdout] == ["SUCCESS"]
    assert "More:" not in rest.stdout
    both = cli("runs", "list", "--status", "failure,success")
    assert both.stdout.count("SUCCESS") == 2 and both.stdout.count("FAILURE") == 1
    assert "No runs match." in cli("runs", "list", "--job", "nope").stdout
    assert "No runs match." in cli("runs", "list", "--dag", "nope").stdout
    assert "No runs match." in cli("runs", "list", "--tag", "team=none").stdout
    assert "No runs match." in cli("runs", "list", "--since", "2999-01-01").stdout
    assert cli("runs", "list", "--since", "2000-01-01").stdout.count("SUCCESS") == 2
    bad_tag = cli("runs", "list", "--tag", "team")
    assert bad_tag.exit_code == 2 and "K=V" in bad_tag.stderr
    unknown = cli("runs", "list", "--before", "no-such-run")
    assert unknown.exit_code == 3 and "no-such-run" in unknown.stderr


def test_runs_list_unknown_status(cli):
    result = cli("runs", "list", "--status", "sideways")
    assert result.exit_code == 2
    assert "sideways" in result.stderr


def test_runs_show(cli, pipeline):
    ran = cli("materialize", "-f", pipeline("ok"), "-q")
    run_id = re.search(r"headwater runs show (\S+)", ran.stdout).group(1)
    for ref in (run_id, "latest", run_id[:8]):
        result = cli("runs", "show", ref)
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert run_id in out
        assert out.count("SUCCESS") >= 4  # the run and its three steps
        assert "making numbers" in out
        assert "summing 3 numbers" in out
        assert "reporting 6" in out


def test_runs_show_unknown_run(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    result = cli("runs", "show", "no-such-run")
    assert result.exit_code == 3
    assert "no-such-run" in result.stderr


def test_runs_show_latest_without_runs(cli):
    result = cli("runs", "show", "latest")
    assert result.exit_code == 3
    assert "no runs" in result.stderr
