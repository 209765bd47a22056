"""Which queued runs the coordinator may claim: the global maximum and Dagster-style tag limits."""

from __future__ import annotations

import pytest

from headwater.errors import ConfigError
from headwater.scheduling.limits import RunLimits, TagConcurrencyLimit
from headwater.storage.records import Run, RunStatus


def run(run_id: str, **tags: str) -> Run:
    return Run(run_id=run_id, status=RunStatus.QUEUED, selection="*", tags=tags)


def test_no_limits_claims_everything_in_order() -> None:
    assert RunLimits().choose([], [run("a"), run("b")]) == ["a", "b"]


def test_the_maximum_counts_runs_in_flight() -> None:
    limits = RunLimits(max_concurrent_runs=3)
    assert limits.choose([run("x"), run("y")], [run("a"), run("b")]) == ["a"]
    assert limits.choose([run("x"), run("y"), run("z")], [run("a")]) == []
    assert RunLimits(max_concurrent_runs=0).choose([], [run("a")]) == []


def test_a_tag_limit_with_a_value_holds_only_those_runs_and_lets_others_pass() -> None:
    limits = RunLimits(tag_concurrency_limits=[TagConcurrencyLimit("team", "ml", limit=1)])
    candidates = [run("a", team="ml"), run("b", team="ml"), run("c", team="web"), run("d")]
    assert limits.choose([], candidates) == ["a", "c", "d"]
    assert limits.choose([run("x", team="ml")], candidates) == ["c", "d"]


def test_a_tag_limit_without_a_value_counts_every_value_together() -> None:
    limits = RunLimits(tag_concurrency_limits=[TagConcurrencyLimit("team", limit=2)])
    candidates = [run("a", team="ml"), run("b", team="web"), run("c", team="ops"), run("d")]
    assert limits.choose([], candidates) == ["a", "b", "d"]


def test_a_tag_limit_per_unique_value() -> None:
    limits = RunLimits(tag_concurrency_limits=[TagConcurrencyLimit("team", limit=1, per_unique_value=True)])
    candidates = [run("a", team="ml"), run("b", team="ml"), run("c", team="web")]
    assert limits.choose([run("x", team="web")], candidates) == ["a"]


def test_every_limit_applies() -> None:
    limits = RunLimits(
        max_concurrent_runs=2,
        tag_concurrency_limits=[TagConcurrencyLimit("gpu", limit=1), TagConcurrencyLimit("team", "ml", limit=5)],
    )
    candidates = [run("a", gpu="1"), run("b", gpu="1"), run("c", team="ml"), run("d")]
    assert limits.choose([], candidates) == ["a", "c"]


def test_dagster_dict_form_and_the_command_line_form() -> None:
    assert TagConcurrencyLimit.from_dict({"key": "team", "value": "ml", "limit": 2}) == TagConcurrencyLimit("team", "ml", 2)
    assert TagConcurrencyLimit.from_dict(
        {"key": "team", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    ) == TagConcurrencyLimit("team", None, 1, per_unique_value=True)
    assert TagConcurrencyLimit.parse("team=3") == TagConcurrencyLimit("team", None, 3)
    assert TagConcurrencyLimit.parse("team:ml=1") == TagConcurrencyLimit("team", "ml", 1)
    assert TagConcurrencyLimit.parse("team:*=1") == TagConcurrencyLimit("team", None, 1, per_unique_value=True)


@pytest.mark.parametrize("text", ["team", "=3", "team=x", "team:ml=-1"])
def test_bad_command_line_limits_say_what_was_expected(text: str) -> None:
    with pytest.raises(ConfigError, match="KEY=N"):
        TagConcurrencyLimit.parse(text)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ConfigError, match="'key'"):
        TagConcurrencyLimit.from_dict({"value": "x", "limit": 1})
    with pytest.raises(ConfigError, match="0 or more"):
        RunLimits(max_concurrent_runs=-1)
    with pytest.raises(ConfigError, match="not both"):
        TagConcurrencyLimit("team", "ml", 1, per_unique_value=True)
