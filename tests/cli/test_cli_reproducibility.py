"""The reproducibility commands: states, --force, lineage, history, load, re-execution."""

from __future__ import annotations

import pytest


def test_second_run_skips_and_force_reruns(cli, pipeline) -> None:
    assert cli("materialize", "-f", pipeline("breakable")).exit_code == 0
    again = cli("materialize", "-f", pipeline("breakable"))
    assert again.exit_code == 0 and again.stdout.count("unchanged since run") == 2  # all but the source
    forced = cli("materialize", "-f", pipeline("breakable"), "--force")
    assert forced.stdout.count("success") == 3


def test_from_failure_reruns_the_failed_step_and_downstream(cli, pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAK", "1")
    failed = cli("materialize", "-f", pipeline("breakable"))
    assert failed.exit_code == 1
    listing = cli("assets", "list", "-f", pipeline("breakable")).stdout
    assert "failed (its last run failed)" in listing and "never materialized" in listing

    monkeypatch.delenv("BREAK")
    rerun = cli("runs", "reexecute", "latest", "--from-failure")
    assert rerun.exit_code == 0, rerun.stdout
    assert "b success" in rerun.stdout and "c success" in rerun.stdout and "a success" not in rerun.stdout
    assert cli("runs", "reexecute", "latest").exit_code == 2  # nothing failed in it

    tree = cli("lineage", "c").stdout
    assert tree.index("c  run") < tree.index("b  run") < tree.index("a  run")
    assert cli("assets", "load", "c").stdout.strip() == "6"
    assert "json" in cli("assets", "history", "b").stdout
    assert "fresh" in cli("assets", "list", "-f", pipeline("breakable")).stdout


def test_unknown_asset_and_version_fail_clearly(cli, pipeline) -> None:
    cli("materialize", "-f", pipeline("breakable"))
    missing = cli("assets", "load", "nope")
    assert missing.exit_code == 3 and "'nope' has never been materialized" in missing.stderr
    bad_version = cli("lineage", "c", "--version", "zzzz")
    assert bad_version.exit_code == 3 and "has no version 'zzzz'" in bad_version.stderr
