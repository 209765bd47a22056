"""The parallel-execution flags reach the run: --executor, --max-concurrency, --pool-limit."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_process_executor_from_the_cli(cli, pipeline, instance) -> None:
    ran = cli("materialize", "-f", pipeline("ok"), "--executor", "process", "--max-concurrency", "2")
    assert ran.exit_code == 0, ran.stdout
    run = instance.store.latest_run()
    assert run.tags["executor"] == "process"
    assert {s.status.value for s in instance.store.get_steps(run.run_id)} == {"SUCCESS"}


@pytest.mark.parametrize("limit", ["gpu=0", "gpu", "=2", "gpu=two"])
def test_bad_pool_limit_is_a_usage_error(cli, pipeline, limit: str) -> None:
    ran = cli("materialize", "-f", pipeline("ok"), "--pool-limit", limit)
    assert ran.exit_code == 2
    assert "expected POOL=N with N >= 1" in ran.stderr


def test_unknown_executor_is_bad_input(cli, pipeline) -> None:
    ran = cli("materialize", "-f", pipeline("ok"), "--executor", "gpu")
    assert ran.exit_code == 2 and "unknown executor 'gpu'" in ran.stderr
