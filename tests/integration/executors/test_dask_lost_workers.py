"""A Dask worker that dies takes with it the steps queued behind the one it ran: Dask fails
them all with ``KilledWorker`` (allowed-failures 0). Those that never started are sent again
as the same attempt; the step that was running is a lost attempt, retried as it allows.

Each cluster here has one worker with one thread, so every step of a run sits on the worker
that ``a_kills_*`` kills (``executors_queued_behind_killer``)::

    a_kills_retried (retries=1)     b_queued     c_queued      <- all on the one worker
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import distributed
import pytest

from headwater.definitions.loading import load_code_location
from headwater.errors import FailureKind
from headwater.execution.run import RunResult, execute
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus, StepStatus

pytestmark = [pytest.mark.dask, pytest.mark.slow, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "executors_queued_behind_killer.py"
SENT_AGAIN = "was lost before step {key!r} started: sent again"


@pytest.fixture(scope="module", params=["local_cluster", "cli_cluster"])
def one_worker(request: pytest.FixtureRequest) -> Iterator[str]:
    """A cluster of one worker process with one thread (its nanny restarts it), allowed-failures 0:
    a ``LocalCluster``, or ``dask scheduler`` + ``dask worker`` processes."""
    if request.param == "cli_cluster":
        yield request.getfixturevalue("dask_cli_one_worker")
        return
    with _local_cluster() as cluster:
        yield cluster.scheduler_address


def _local_cluster() -> Any:
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=50,
        )


def _lines(instance: Instance, run_id: str, key: str) -> list[str]:
    return [line.text for line in instance.store.get_logs(run_id, key)]


def _run(instance: Instance, address: str, *keys: str) -> RunResult:
    """Run ``keys`` of ``executors_queued_behind_killer`` on the cluster at ``address``, all at once."""
    return execute(
        load_code_location(file=PIPELINE), ",".join(keys), instance=instance, executor="dask",
        executor_config={"dask_address": address}, max_concurrency=len(keys), force=True,
    )


def _ran_once_as_attempt_one(instance: Instance, result: RunResult, key: str) -> None:
    run_id = result.run_id
    step = result.steps[key]
    assert step.status is StepStatus.SUCCESS and step.attempts == 1
    (attempt,) = instance.store.get_attempts(run_id, key)
    assert attempt.attempt == 1 and attempt.status is StepStatus.SUCCESS
    lines = _lines(instance, run_id, key)
    assert lines.count(f"{key} ran") == 1, lines  # its code ran once


def test_steps_queued_behind_a_killed_worker_run_once_as_attempt_one(instance: Instance, one_worker: str) -> None:
    result = _run(instance, one_worker, "a_kills_retried", "b_queued", "c_queued")
    for key in ("b_queued", "c_queued"):
        _ran_once_as_attempt_one(instance, result, key)
    assert result.output_for("b_queued") == 2 and result.output_for("c_queued") == 3
    # the scenario happened: one or both were on the worker when it died, never started, and
    # were sent again (Dask may hold one back at the scheduler)
    sent_again = [
        line for key in ("b_queued", "c_queued") for line in _lines(instance, result.run_id, key)
        if SENT_AGAIN.format(key=key) in line
    ]
    assert sent_again, [_lines(instance, result.run_id, key) for key in ("b_queued", "c_queued")]
    killer = result.steps["a_kills_retried"]
    assert killer.status is StepStatus.FAILURE and killer.attempts == 2
    attempts = instance.store.get_attempts(result.run_id, "a_kills_retried")
    assert [(a.attempt, a.status, a.failure_kind) for a in attempts] == [
        (1, StepStatus.FAILURE, FailureKind.WORKER_LOST), (2, StepStatus.FAILURE, FailureKind.WORKER_LOST),
    ]
    assert all("running 'a_kills_retried' was lost" in (a.error or "") for a in attempts)
    assert result.status is RunStatus.FAILURE


def test_a_killing_step_without_retries_fails_naming_the_step_and_the_worker(
    instance: Instance, one_worker: str
) -> None:
    result = _run(instance, one_worker, "a_kills_once", "b_queued")
    _ran_once_as_attempt_one(instance, result, "b_queued")
    killer = result.steps["a_kills_once"]
    assert killer.status is StepStatus.FAILURE and killer.attempts == 1
    assert killer.failure_kind is FailureKind.WORKER_LOST
    assert killer.error is not None
    assert "the Dask worker tcp://127.0.0.1:" in killer.error and "running 'a_kills_once' was lost" in killer.error


class _KillsOnStart(distributed.WorkerPlugin):
    """Kills its worker as a task of ``b_queued`` begins to execute: before the task's own
    code, so the step never starts."""

    name = "headwater-test-kills-on-start"

    def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
        if finish == "executing" and "b_queued" in str(key):
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_step_whose_worker_keeps_dying_before_it_starts_fails_after_three_sendings(instance: Instance) -> None:
    with _local_cluster() as cluster, distributed.Client(cluster, set_as_default=False) as client:
        client.register_plugin(_KillsOnStart())
        # b_queued alone: a step that finished just before its worker died, its outcome
        # unreported, is rightly a lost attempt, and the plugin kills at once
        result = _run(instance, cluster.scheduler_address, "b_queued")
    step = result.steps["b_queued"]
    assert step.status is StepStatus.FAILURE and step.attempts == 1
    assert step.failure_kind is FailureKind.WORKER_LOST
    assert step.error is not None and "never started" in step.error and "'b_queued'" in step.error
    assert "lost 4 times" in step.error and "tcp://127.0.0.1:" in step.error
    lines = _lines(instance, result.run_id, "b_queued")
    assert sum(SENT_AGAIN.format(key="b_queued") in line for line in lines) == 3, lines
    assert "b_queued ran" not in lines
