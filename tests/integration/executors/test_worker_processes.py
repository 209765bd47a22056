"""The process pool and the Dask executor when workers are reused, die, or are far away.

``executors_crash``::

    steady                      sleeps, and must succeed while other workers die
    killed_once                 SIGKILLs its worker on attempt 1; retries=1
    killed_always ──> after     SIGKILLs its worker every time

A step given to a worker that dies before taking it up (stopped, then killed) runs on the
next worker as the same attempt.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from headwater import asset, materialize
from headwater.definitions.loading import CodeLocation
from headwater.definitions.node import node_of
from headwater.errors import PlanError
from headwater.execution.executors import ExecutorOptions
from headwater.execution.executors.processes import ProcessExecutor, describe_exit
from headwater.execution.observer import NullObserver
from headwater.execution.run import execute
from headwater.execution.step import StepRequest
from headwater.storage.artifacts import FsspecArtifactStore
from headwater.storage.instance import Instance
from headwater.storage.records import RunStatus, StepStatus

pytestmark = pytest.mark.timeout(120)


# -- the process pool -------------------------------------------------------------------------


def test_workers_start_once_and_import_the_location_once(
    instance: Instance, pipeline: Callable[[str], CodeLocation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    imports = tmp_path / "imports.log"
    monkeypatch.setenv("HW_IMPORT_LOG", str(imports))
    location = pipeline("executors_imports")  # this process imports it once (loading)
    result = execute(location, instance=instance, executor="process", max_concurrency=2)
    assert result.success
    pids = {result.output_for(f"pid_{n}") for n in range(1, 7)}
    assert len(pids) <= 2 and os.getpid() not in pids  # six steps, two reused workers
    importers = imports.read_text().split()
    # Once here; workers forked from this process inherit the module, those started from the
    # fork server import it once each: never once per step.
    assert len(importers) == len(set(importers)) <= 1 + len(pids)
    assert importers[0] == str(os.getpid())


@asset
def numbers() -> list[int]:
    return [1, 2, 3]


@asset
def total(numbers: list[int]) -> int:
    print(f"summing {len(numbers)} numbers")
    return sum(numbers)


def test_materialize_from_a_test_module_on_processes(instance: Instance) -> None:
    """No code location: the test module's functions are found through the parent's sys.path."""
    result = materialize([numbers, total], instance=instance, executor="process", observer=NullObserver())
    assert result.output_for("total") == 6
    assert not result._outputs["total"].in_memory  # values come back as references, not copies
    lines = [(line.step_key, line.text) for line in instance.store.get_logs(result.run_id)]
    assert ("total", "summing 3 numbers") in lines


class _Arrivals(NullObserver):
    def __init__(self) -> None:
        self.seen: dict[str, float] = {}

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        self.seen.setdefault(text, time.time())


@asset
def talkative() -> int:
    print("starting")
    time.sleep(0.5)
    return 1


def test_lines_reach_the_run_while_the_step_runs(instance: Instance) -> None:
    observer = _Arrivals()
    result = materialize([talkative], instance=instance, executor="process", observer=observer)
    assert observer.seen["starting"] < result.steps["talkative"].ended_at - 0.3


def test_a_killed_worker_fails_its_step_and_is_replaced(
    instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    result = execute(pipeline("executors_crash"), instance=instance, executor="process", max_concurrency=2)
    check_crash_run(instance, result, "worker process running {key!r} died (killed by SIGKILL")


@asset
def taken_up_by_the_next_worker() -> int:
    print("ran")
    return 7


def test_a_step_whose_worker_died_before_taking_it_up_runs_as_the_same_attempt(tmp_path: Path) -> None:
    lines: list[str] = []
    options = ExecutorOptions(
        FsspecArtifactStore(str(tmp_path / "artifacts")), lambda key: lambda stream, text, level: lines.append(text),
        max_concurrency=1, extra={"warm": False},
    )
    node = node_of(taken_up_by_the_next_worker)
    assert node is not None
    with ProcessExecutor(options) as executor:
        assert executor.pool is not None
        (pid,) = executor.pool.pids()
        os.kill(pid, signal.SIGSTOP)  # the worker cannot read the step sent to it...
        killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))  # ...and dies with it unread
        killer.start()
        future = executor.submit(StepRequest("run-1", node, 1, {}, keep_value=False))
        outcome = future.result(timeout=60)
        killer.join()
    assert outcome.ok and outcome.attempt == 1, outcome.error
    assert lines.count("ran") == 1
    assert (
        f"worker process {pid} died (killed by SIGKILL: out of memory, or killed from outside) before step "
        "'taken_up_by_the_next_worker' started: sent again as the same attempt (1 of 3)"
    ) in lines


def check_crash_run(instance: Instance, result: Any, message: str) -> None:
    steps = result.steps
    assert result.status is RunStatus.FAILURE
    assert steps["steady"].status is StepStatus.SUCCESS and result.output_for("steady") == "steady"
    assert steps["killed_once"].status is StepStatus.SUCCESS and result.output_for("killed_once") == 2
    first = instance.store.get_attempts(result.run_id, "killed_once")[0]
    assert first.status is StepStatus.FAILURE and message.format(key="killed_once") in first.error
    assert steps["killed_always"].status is StepStatus.FAILURE
    assert message.format(key="killed_always") in steps["killed_always"].error
    assert steps["after"].status is StepStatus.UPSTREAM_FAILED
    assert instance.store.get_run(result.run_id).status is RunStatus.FAILURE


def test_exit_statuses_are_named() -> None:
    assert describe_exit(-9) == "killed by SIGKILL: out of memory, or killed from outside"
    assert describe_exit(-11) == "killed by SIGSEGV: a crash in native code"
    assert describe_exit(3) == "exited with code 3"


def test_a_location_that_fails_in_the_worker_fails_the_steps_clearly(instance: Instance, tmp_path: Path) -> None:
    code = tmp_path / "only_here.py"
    code.write_text(
        "import os\nfrom headwater import asset\n"
        "if os.getpid() != int(os.environ['PARENT_PID']):\n    raise ImportError('not in a worker')\n"
        "@asset\ndef value() -> int:\n    return 1\n"
    )
    os.environ["PARENT_PID"] = str(os.getpid())
    # A run's process with no other thread forks its workers, which then inherit the
    # imported location and never import it. With another thread alive (as in a web server
    # or the daemon) workers start from the forkserver and import the location afresh:
    # that is the path under test, so keep a thread alive, whatever ran before this test.
    release = threading.Event()
    other_thread = threading.Thread(target=release.wait, name="test-keeps-the-pool-off-fork")
    other_thread.start()
    try:
        from headwater.definitions.loading import load_code_location

        result = execute(load_code_location(file=code), instance=instance, executor="process", max_concurrency=1)
    finally:
        release.set()
        other_thread.join()
        del os.environ["PARENT_PID"]
    assert result.steps["value"].status is StepStatus.FAILURE
    assert "could not import the code location" in result.steps["value"].error
    assert "not in a worker" in result.steps["value"].error


# -- Dask -----------------------------------------------------------------------------------


@pytest.mark.dask
@pytest.mark.slow
def test_a_lost_dask_worker_fails_its_step(
    instance: Instance, pipeline: Callable[[str], CodeLocation], local_cluster: str
) -> None:
    result = execute(
        pipeline("executors_crash"), instance=instance, executor="dask",
        executor_config={"dask_address": local_cluster},
    )
    check_crash_run(instance, result, "running {key!r} was lost: its process died")


@pytest.mark.dask
@pytest.mark.slow
def test_dask_scheduler_and_two_workers_started_from_the_command_line(
    instance: Instance, pipeline: Callable[[str], CodeLocation], dask_cli_cluster: str
) -> None:
    config = {"dask_address": dask_cli_cluster}
    location = pipeline("executors_diamond")
    result = execute(location, instance=instance, executor="dask", executor_config=config)
    assert result.output_for("joined") == 30 and result.steps["flaky"].attempts == 2
    assert result.steps["after_broken"].status is StepStatus.UPSTREAM_FAILED
    with Instance.ephemeral() as reference:
        expected = execute(location, instance=reference, executor="in_process")
        assert {k: (s.status, s.attempts) for k, s in result.steps.items()} == {
            k: (s.status, s.attempts) for k, s in expected.steps.items()
        }
    iris = execute(pipeline("iris_pipeline"), instance=instance, executor="dask", executor_config=config)
    assert iris.success and iris.output_for("model_accuracy") == pytest.approx(1.0)
    crash = execute(pipeline("executors_crash"), instance=instance, executor="dask", executor_config=config)
    check_crash_run(instance, crash, "running {key!r} was lost: its process died")


@pytest.mark.dask
@pytest.mark.slow
def test_dask_starts_its_own_local_cluster(instance: Instance) -> None:
    result = materialize([numbers, total], instance=instance, executor="dask", max_concurrency=1, observer=NullObserver())
    assert result.output_for("total") == 6
    assert ("total", "summing 3 numbers") in [(l.step_key, l.text) for l in instance.store.get_logs(result.run_id)]


def test_a_remote_scheduler_with_a_local_artifact_folder_is_refused_before_the_run(instance: Instance) -> None:
    with pytest.raises(PlanError, match="workers behind tcp://10.1.2.3:8786 cannot see"):
        materialize([numbers], instance=instance, executor="dask", executor_config={"dask_address": "tcp://10.1.2.3:8786"})
    assert instance.store.list_runs() == []


def test_loopback_addresses() -> None:
    from headwater.execution.executors.dask import is_loopback

    assert is_loopback("tcp://127.0.0.1:8786") and is_loopback("localhost:8786") and is_loopback("tcp://[::1]:8786")
    assert not is_loopback("tcp://10.1.2.3:8786")


@pytest.mark.dask
def test_an_unreachable_scheduler_is_bad_input_and_records_no_run(
    instance: Instance, pipeline: Callable[[str], CodeLocation]
) -> None:
    with pytest.raises(PlanError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        execute(
            pipeline("executors_diamond"), instance=instance, executor="dask",
            executor_config={"dask_address": "tcp://127.0.0.1:9", "connect_timeout": "1s"},
        )
    assert instance.store.list_runs() == []
