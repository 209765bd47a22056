"""Trigger rules: a node's condition on the final states of its direct upstream nodes.

Every node has one (default ``all_success``); the run loop applies it to every node,
whichever dialect declared it (see :mod:`headwater.execution.triggers` for how a rule
decides). The names and meanings are Airflow's:

=============================  ========================================================
rule                           the node runs when its direct upstream nodes ...
=============================  ========================================================
all_success                    all succeeded
all_failed                     all failed (or were upstream_failed)
all_done                       are all done, whatever their state
all_done_min_one_success       are all done and at least one succeeded
all_skipped                    were all skipped
one_success                    include one success (it does not wait for the rest)
one_failed                     include one failure (it does not wait for the rest)
one_done                       include one success or failure (it does not wait)
none_failed                    are all done and none failed (success or skipped)
none_failed_min_one_success    are all done, none failed and at least one succeeded
none_skipped                   are all done and none was skipped
always                         any time: it does not wait for its upstream at all
=============================  ========================================================
"""

from __future__ import annotations

from enum import StrEnum

from headwater.errors import DefinitionError

__all__ = ["TriggerRule", "trigger_rule"]


class TriggerRule(StrEnum):
    """The trigger rules (Airflow's ``TriggerRule``); a plain string of the value works too."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"

    @classmethod
    def is_valid(cls, value: str) -> bool:
        return value in cls._value2member_map_

    @classmethod
    def all_triggers(cls) -> set[str]:
        return {rule.value for rule in cls}


def trigger_rule(value: object, *, where: str) -> TriggerRule:
    """``value`` as a :class:`TriggerRule`.

    Raises:
        DefinitionError: ``value`` names no trigger rule (the message lists the valid ones).
    """
    if isinstance(value, TriggerRule):
        return value
    if isinstance(value, str) and TriggerRule.is_valid(value):
        return TriggerRule(value)
    valid = ", ".join(rule.value for rule in TriggerRule)
    raise DefinitionError(f"{where}: the trigger rule must be one of {valid}; received {value!r}")
