"""Trigger rules, from Airflow's documented meaning: the fate of a node with two upstream nodes.

Each row gives the upstream states once both have finished, and what each rule then
decides. ``S`` success, ``F`` failed, ``U`` upstream_failed, ``K`` skipped.
"""

from __future__ import annotations

from collections import Counter

import pytest

from headwater.definitions.trigger_rules import TriggerRule
from headwater.execution.triggers import UpstreamCounts, Verdict, evaluate, evaluate_tally
from headwater.storage.records import StepStatus

RUN, SKIP, UF, WAIT = Verdict.RUN, Verdict.SKIP, Verdict.UPSTREAM_FAILED, Verdict.WAIT
STATE = {"S": StepStatus.SUCCESS, "F": StepStatus.FAILURE, "U": StepStatus.UPSTREAM_FAILED, "K": StepStatus.SKIPPED,
         "D": StepStatus.UP_TO_DATE}

#            upstream: SS    SF    SK    FF    FK    KK    UU    SU
EXPECTED = {
    "all_success":                 (RUN,  UF,   SKIP, UF,   UF,   SKIP, UF,   UF),
    "all_failed":                  (SKIP, SKIP, SKIP, RUN,  SKIP, SKIP, RUN,  SKIP),
    "all_done":                    (RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN),
    "all_done_min_one_success":    (RUN,  RUN,  RUN,  UF,   UF,   SKIP, UF,   RUN),
    "all_skipped":                 (SKIP, SKIP, SKIP, SKIP, SKIP, RUN,  SKIP, SKIP),
    "one_success":                 (RUN,  RUN,  RUN,  UF,   UF,   SKIP, UF,   RUN),
    "one_failed":                  (SKIP, RUN,  SKIP, RUN,  RUN,  SKIP, RUN,  RUN),
    "one_done":                    (RUN,  RUN,  RUN,  RUN,  RUN,  SKIP, SKIP, RUN),
    "none_failed":                 (RUN,  UF,   RUN,  UF,   UF,   RUN,  UF,   UF),
    "none_failed_min_one_success": (RUN,  UF,   RUN,  UF,   UF,   SKIP, UF,   UF),
    "none_skipped":                (RUN,  RUN,  SKIP, RUN,  SKIP, SKIP, RUN,  RUN),
    "always":                      (RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN),
}
COMBINATIONS = ("SS", "SF", "SK", "FF", "FK", "KK", "UU", "SU")


def counts(states: str, total: int | None = None) -> UpstreamCounts:
    return UpstreamCounts.of([STATE[s] for s in states], len(states) if total is None else total)


def test_the_table_covers_every_rule() -> None:
    assert set(EXPECTED) == {rule.value for rule in TriggerRule}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
@pytest.mark.parametrize("column", range(len(COMBINATIONS)))
def test_each_rule_decides_each_combination_of_finished_upstream_states(rule: str, column: int) -> None:
    states = COMBINATIONS[column]
    assert evaluate(TriggerRule(rule), counts(states)) is EXPECTED[rule][column], f"{rule} with {states}"


@pytest.mark.parametrize(
    ("rule", "finished", "expected"),
    [
        ("all_success", "F", UF),      # one failure settles it, the other upstream may still run
        ("all_success", "K", SKIP),
        ("all_success", "S", WAIT),
        ("one_success", "S", RUN),     # "does not wait for all upstream tasks to be done"
        ("one_success", "F", WAIT),
        ("one_failed", "F", RUN),
        ("one_failed", "S", WAIT),
        ("one_done", "F", RUN),
        ("one_done", "K", WAIT),
        ("all_failed", "S", SKIP),
        ("all_failed", "F", WAIT),
        ("all_done", "F", WAIT),
        ("none_failed", "U", UF),
        ("none_failed", "K", WAIT),
        ("none_skipped", "K", SKIP),
        ("all_skipped", "S", SKIP),
        ("always", "", RUN),           # runs at any time, without waiting for its upstream
    ],
)
def test_rules_decide_as_soon_as_the_outcome_is_certain(rule: str, finished: str, expected: Verdict) -> None:
    assert evaluate(TriggerRule(rule), counts(finished, total=2)) is expected


def test_up_to_date_counts_as_success_and_a_root_always_runs() -> None:
    assert evaluate(TriggerRule.ALL_SUCCESS, counts("DS")) is RUN
    assert evaluate(TriggerRule.ALL_FAILED, UpstreamCounts(total=0)) is RUN


@pytest.mark.parametrize("rule", list(TriggerRule))
@pytest.mark.parametrize("total", [1, 2, 5])
def test_no_rule_but_always_decides_before_an_upstream_finished(rule: TriggerRule, total: int) -> None:
    """What lets the loop's tally answer WAIT without counting (evaluate_tally)."""
    expected = RUN if rule is TriggerRule.ALWAYS else WAIT
    assert evaluate(rule, UpstreamCounts(total)) is expected
    assert evaluate_tally(rule, {}, total) is expected


@pytest.mark.parametrize("rule", list(TriggerRule))
@pytest.mark.parametrize("states", COMBINATIONS)
def test_the_tally_decides_as_the_counts_do(rule: TriggerRule, states: str) -> None:
    tally = Counter(STATE[s] for s in states)
    assert evaluate_tally(rule, tally, 2) is evaluate(rule, UpstreamCounts.from_tally(tally, 2))
    assert evaluate_tally(rule, {}, 0) is RUN
