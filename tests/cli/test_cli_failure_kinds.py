"""Why a step failed is stored as its kind, on the step and each attempt, and ``runs show`` says it."""

from __future__ import annotations

from headwater.errors import FailureKind
from headwater.storage.instance import Instance
from headwater.storage.records import StepStatus


def test_a_user_failure_is_recorded_as_one_and_shown_as_one(cli, pipeline, home) -> None:
    assert cli("materialize", "-f", pipeline("failing")).exit_code == 1
    with Instance.get() as instance:
        (run,) = instance.store.list_runs()
        steps = {s.step_key: s for s in instance.store.get_steps(run.run_id)}
        attempts = instance.store.get_attempts(run.run_id, "boom")
    assert steps["boom"].status is StepStatus.FAILURE and steps["boom"].failure_kind is FailureKind.USER
    assert [a.failure_kind for a in attempts] == [FailureKind.USER]
    assert steps["independent"].failure_kind is None and steps["after_boom"].failure_kind is None
    shown = cli("runs", "show", run.run_id)
    assert "[user code] ValueError: boom went wrong" in shown.stdout
    assert "── boom (FAILURE: user code) ──" in shown.stdout
