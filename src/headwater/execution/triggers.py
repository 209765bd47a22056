"""Deciding a node's fate from the states of its direct upstream nodes (its trigger rule).

The run loop calls :func:`evaluate` for a node each time one of its upstream nodes reaches a
final state (and once at the start, for ``always``). The answer is one of:

``WAIT``             not decidable yet: more upstream nodes must finish
``RUN``              submit the node now
``SKIP``             finish it as SKIPPED without running it
``UPSTREAM_FAILED``  finish it as UPSTREAM_FAILED without running it

Counting follows Airflow: SUCCESS and UP_TO_DATE count as success; FAILURE as failed;
UPSTREAM_FAILED as upstream_failed (most rules treat it as a failure); SKIPPED as skipped.
Rules whose outcome is already certain decide early, as Airflow's scheduler does: one
failed upstream makes an ``all_success`` node upstream_failed at once; one success runs a
``one_success`` node without waiting for the rest.

Example: ``a`` fails, ``b`` succeeds, ``c`` has both upstream::

    all_success -> UPSTREAM_FAILED   all_done -> RUN   one_failed -> RUN
    none_failed -> UPSTREAM_FAILED   one_success -> RUN   all_failed -> SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from headwater.definitions.trigger_rules import TriggerRule
from headwater.storage.records import StepStatus

__all__ = ["UpstreamCounts", "Verdict", "evaluate", "evaluate_tally"]


class Verdict(Enum):
    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


@dataclass(frozen=True, slots=True)
class UpstreamCounts:
    """How many direct upstream nodes ended in each state, out of ``total``."""

    total: int
    success: int = 0
    failed: int = 0
    upstream_failed: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, states: Iterable[StepStatus], total: int) -> UpstreamCounts:
        return cls.from_tally(Counter(states), total)

    @classmethod
    def from_tally(cls, tally: Mapping[StepStatus, int], total: int) -> UpstreamCounts:
        """From how many upstream nodes ended in each state (the run loop keeps this tally)."""
        return cls(
            total=total,
            success=tally.get(StepStatus.SUCCESS, 0) + tally.get(StepStatus.UP_TO_DATE, 0),
            failed=tally.get(StepStatus.FAILURE, 0),
            upstream_failed=tally.get(StepStatus.UPSTREAM_FAILED, 0),
            skipped=tally.get(StepStatus.SKIPPED, 0),
        )

    @property
    def done(self) -> int:
        return self.success + self.failed + self.upstream_failed + self.skipped

    @property
    def all_done(self) -> bool:
        return self.done >= self.total

    @property
    def failures(self) -> int:
        """Failed or upstream_failed: what most rules count as a failure."""
        return self.failed + self.upstream_failed

    def __str__(self) -> str:
        parts = [f"{n} {name}" for name, n in (("succeeded", self.success), ("failed", self.failed),
                 ("upstream_failed", self.upstream_failed), ("skipped", self.skipped)) if n]
        return ", ".join(parts) or "none finished"


def evaluate_tally(rule: TriggerRule, tally: Mapping[StepStatus, int], total: int) -> Verdict:
    """:func:`evaluate` from the run loop's tally of ``total`` upstream nodes.

    While none of them has finished, every rule but ``always`` waits (no rule decides on
    nothing), so that answer needs no counting: the loop asks it of every node at the start.
    """
    if total and not tally and rule is not TriggerRule.ALWAYS:
        return Verdict.WAIT
    return evaluate(rule, UpstreamCounts.from_tally(tally, total))


def evaluate(rule: TriggerRule, counts: UpstreamCounts) -> Verdict:
    """What ``rule`` decides for a node whose direct upstream nodes stand at ``counts``."""
    if counts.total == 0 or rule is TriggerRule.ALWAYS:
        return Verdict.RUN
    decide = _RULES[rule]
    return decide(counts)


def _all_success(c: UpstreamCounts) -> Verdict:
    if c.failures:
        return Verdict.UPSTREAM_FAILED
    if c.skipped:
        return Verdict.SKIP
    return Verdict.RUN if c.success == c.total else Verdict.WAIT


def _all_failed(c: UpstreamCounts) -> Verdict:
    if c.success or c.skipped:
        return Verdict.SKIP
    return Verdict.RUN if c.all_done else Verdict.WAIT


def _all_done(c: UpstreamCounts) -> Verdict:
    return Verdict.RUN if c.all_done else Verdict.WAIT


def _all_done_min_one_success(c: UpstreamCounts) -> Verdict:
    if not c.all_done:
        return Verdict.WAIT
    if c.success:
        return Verdict.RUN
    return Verdict.UPSTREAM_FAILED if c.failures else Verdict.SKIP


def _all_skipped(c: UpstreamCounts) -> Verdict:
    if c.success or c.failures:
        return Verdict.SKIP
    return Verdict.RUN if c.all_done else Verdict.WAIT


def _one_success(c: UpstreamCounts) -> Verdict:
    if c.success:
        return Verdict.RUN
    if not c.all_done:
        return Verdict.WAIT
    return Verdict.SKIP if c.skipped == c.total else Verdict.UPSTREAM_FAILED


def _one_failed(c: UpstreamCounts) -> Verdict:
    if c.failures:
        return Verdict.RUN
    return Verdict.SKIP if c.all_done else Verdict.WAIT


def _one_done(c: UpstreamCounts) -> Verdict:
    if c.success or c.failed:
        return Verdict.RUN
    return Verdict.SKIP if c.all_done else Verdict.WAIT


def _none_failed(c: UpstreamCounts) -> Verdict:
    if c.failures:
        return Verdict.UPSTREAM_FAILED
    return Verdict.RUN if c.all_done else Verdict.WAIT


def _none_failed_min_one_success(c: UpstreamCounts) -> Verdict:
    if c.failures:
        return Verdict.UPSTREAM_FAILED
    if c.skipped == c.total:
        return Verdict.SKIP
    return Verdict.RUN if c.all_done else Verdict.WAIT


def _none_skipped(c: UpstreamCounts) -> Verdict:
    if c.skipped:
        return Verdict.SKIP
    return Verdict.RUN if c.all_done else Verdict.WAIT


_RULES = {
    TriggerRule.ALL_SUCCESS: _all_success,
    TriggerRule.ALL_FAILED: _all_failed,
    TriggerRule.ALL_DONE: _all_done,
    TriggerRule.ALL_DONE_MIN_ONE_SUCCESS: _all_done_min_one_success,
    TriggerRule.ALL_SKIPPED: _all_skipped,
    TriggerRule.ONE_SUCCESS: _one_success,
    TriggerRule.ONE_FAILED: _one_failed,
    TriggerRule.ONE_DONE: _one_done,
    TriggerRule.NONE_FAILED: _none_failed,
    TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS: _none_failed_min_one_success,
    TriggerRule.NONE_SKIPPED: _none_skipped,
}
