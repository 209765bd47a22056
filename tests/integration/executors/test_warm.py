"""Warm executors: the process pool and the local Dask cluster outlive a run and serve the next.

Each test writes a small code location into its own folder::

    location.py     answer   (imports helper_<id> inside the step and returns its VALUE)
                    pid      (the worker's process id)
    helper_<id>.py  VALUE = ...

and runs it twice (or more) in this process, checking that the second run used the same
workers, and that what changed in between (the code on disk, a dead worker, a timeout)
is what the second run sees.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from headwater.definitions.loading import CodeLocation, load_code_location
from headwater.execution.executors import warm
from headwater.execution.run import RunResult, execute
from headwater.storage.instance import Instance
from headwater.storage.records import StepRecord, StepStatus

pytestmark = pytest.mark.timeout(180)

LOCATION = '''
import os
import signal
import time
from pathlib import Path

from headwater import asset


@asset
def answer() -> int:
    import {helper}
    return {helper}.VALUE


@asset
def pid() -> int:
    return os.getpid()


@asset
def environment() -> str:
    seen = os.environ.get("HW_WARM_LEAK", "unset")
    os.environ["HW_WARM_LEAK"] = "set by a step"
    return seen


@asset(retries=1)
def dies_once() -> int:
    marker = Path(os.environ["HW_WARM_MARKER"])
    if not marker.exists():
        marker.write_text("died")
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid()


@asset(timeout=0.5)
def too_slow() -> int:
    time.sleep(60)
    return 0
'''


class Project:
    """A code location on disk, with a helper module it imports inside a step."""

    def __init__(self, folder: Path, version: str = "VERSION = 1") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.helper = f"helper_{uuid.uuid4().hex[:8]}"
        self.location_file = folder / "location.py"
        self.location_file.write_text(LOCATION.format(helper=self.helper))
        self.helper_file = folder / f"{self.helper}.py"
        self.set_value(1)

    def set_value(self, value: object) -> None:
        # a different size every time: an edit is seen even within the file system's clock tick
        self.helper_file.write_text(f"VALUE = {value!r}\n# {'x' * len(repr(value))}\n")

    def load(self) -> CodeLocation:
        """Load the location as a fresh process would (a module cached here is dropped first)."""
        for name, module in list(sys.modules.items()):
            if getattr(module, "__file__", None) == str(self.location_file.resolve()):
                del sys.modules[name]
        return load_code_location(file=self.location_file)


@dataclass
class Ran:
    """A run's result, and the values of the steps that succeeded."""

    result: RunResult
    values: dict[str, Any]

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def steps(self) -> dict[str, StepRecord]:
        return self.result.steps


def run(location: CodeLocation, selection: str, executor: str, **kwargs: Any) -> Ran:
    instance = Instance.get()
    try:
        result = execute(location, selection, instance=instance, executor=executor, max_concurrency=2, **kwargs)
        values = {key: result.output_for(key) for key, r in result.steps.items() if r.status is StepStatus.SUCCESS}
    finally:
        instance.close()
    return Ran(result, values)


def pool_pids() -> set[int]:
    return set(warm.resources()["process"].pids())


# -- the process pool ------------------------------------------------------------------------


def test_the_process_pool_serves_the_next_run_with_the_same_workers(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    location = project.load()
    first = run(location, "pid", "process")
    pool = warm.resources()["process"]
    workers = pool_pids()
    second = run(location, "pid", "process")
    assert warm.resources()["process"] is pool
    assert pool_pids() == workers and len(workers) == 2
    assert first.values["pid"] in workers and second.values["pid"] in workers


def test_warm_false_gives_the_run_workers_of_its_own(tmp_path: Path) -> None:
    location = Project(tmp_path / "project").load()
    result = run(location, "pid", "process", executor_config={"warm": False})
    assert result.success and "process" not in warm.resources()


def test_a_helper_edited_between_runs_runs_its_new_code(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    location = project.load()
    assert run(location, "answer", "process").values["answer"] == 1
    workers = pool_pids()
    project.set_value(22)
    assert run(location, "answer", "process", force=True).values["answer"] == 22
    assert pool_pids() == workers  # the same processes imported it again


def test_a_location_edited_between_runs_runs_its_new_code(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    assert run(project.load(), "answer", "process").values["answer"] == 1
    text = project.location_file.read_text()
    project.location_file.write_text(text.replace("return os.getpid()", "return -os.getpid()"))
    result = run(project.load(), "pid", "process")
    assert result.values["pid"] < 0 and -result.values["pid"] in pool_pids()


def test_another_projects_module_of_the_same_name_is_not_reused(tmp_path: Path) -> None:
    """Two projects, each with a helper module of the same name: each run imports its own."""
    one, two = Project(tmp_path / "one"), Project(tmp_path / "two")
    two.helper_file.unlink()
    two.helper, two.helper_file = one.helper, tmp_path / "two" / f"{one.helper}.py"
    two.location_file.write_text(LOCATION.format(helper=one.helper))
    two.set_value(2)
    assert run(one.load(), "answer", "process").values["answer"] == 1
    assert run(two.load(), "answer", "process").values["answer"] == 2
    assert run(one.load(), "answer", "process", force=True).values["answer"] == 1


def test_the_environment_a_step_changed_is_not_the_next_runs(tmp_path: Path) -> None:
    location = Project(tmp_path / "project").load()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("HW_WARM_LEAK", raising=False)
        for _ in range(2):  # each run on both workers, twice
            assert run(location, "environment", "process", force=True).values["environment"] == "unset"
            assert run(location, "environment", "process", force=True).values["environment"] == "unset"


def test_a_killed_worker_is_replaced_and_the_pool_serves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_WARM_MARKER", str(tmp_path / "marker"))
    location = Project(tmp_path / "project").load()
    run(location, "pid", "process")
    pool, before = warm.resources()["process"], pool_pids()
    result = run(location, "dies_once", "process")
    assert result.success and result.steps["dies_once"].attempts == 2  # killed on attempt 1, retried
    after = pool_pids()
    assert warm.resources()["process"] is pool and len(after) == 2
    assert len(before - after) == 1  # the dead one, replaced by a new process
    assert result.values["dies_once"] in after
    assert run(location, "pid", "process", force=True).values["pid"] in after


def test_a_timeout_kill_does_not_poison_the_pool(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    location = project.load()
    run(location, "pid", "process")
    pool = warm.resources()["process"]
    started = time.monotonic()
    slow = run(location, "too_slow", "process")
    assert time.monotonic() - started < 30
    assert not slow.success and "ran past its timeout" in (slow.steps["too_slow"].error or "")
    assert warm.resources()["process"] is pool and len(pool_pids()) == 2
    project.set_value(3)
    second = run(location, "answer", "process")
    assert second.values["answer"] == 3


def test_an_interrupted_run_leaves_no_step_running_on_the_pool(tmp_path: Path) -> None:
    """A run that ends while its step still runs (here: the run loop fails) kills that worker only."""
    from headwater.execution import loop

    location = Project(tmp_path / "project").load()
    run(location, "pid", "process")
    pool, before = warm.resources()["process"], pool_pids()
    original = loop._RunLoop._wait_and_handle

    def fail_while_waiting(self: object) -> None:
        time.sleep(0.3)  # the step is running by now
        raise RuntimeError("the run loop failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loop._RunLoop, "_wait_and_handle", fail_while_waiting)
        with pytest.raises(RuntimeError, match="the run loop failed"):
            run(location, "too_slow", "process", executor_config={})
    assert loop._RunLoop._wait_and_handle is original
    deadline = time.monotonic() + 10
    while len(before - pool_pids()) != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(before - pool_pids()) == 1 and len(pool_pids()) == 2  # its worker killed and replaced
    assert warm.resources()["process"] is pool
    assert run(location, "pid", "process", force=True).success


def test_close_all_stops_the_workers(tmp_path: Path) -> None:
    import psutil

    run(Project(tmp_path / "project").load(), "pid", "process")
    workers = pool_pids()
    warm.close_all()
    assert warm.resources() == {}
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in workers)


# -- the local Dask cluster ------------------------------------------------------------------


def dask_pids() -> set[int]:
    return set(warm.resources()["dask"].client.run(os.getpid).values())


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.dask
@pytest.mark.slow
def test_the_local_cluster_serves_the_next_run_and_new_code(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    location = project.load()
    assert run(location, "answer", "dask").values["answer"] == 1
    local = warm.resources()["dask"]
    address, workers = local.cluster.scheduler_address, dask_pids()
    project.set_value(5)
    second = run(location, "answer+", "dask", force=True)
    assert second.values["answer"] == 5
    assert warm.resources()["dask"] is local and local.cluster.scheduler_address == address
    assert dask_pids() == workers
    assert run(location, "pid", "dask").values["pid"] in workers


@pytest.mark.dask
@pytest.mark.slow
def test_a_killed_dask_worker_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW_WARM_MARKER", str(tmp_path / "marker"))
    location = Project(tmp_path / "project").load()
    run(location, "pid", "dask")
    local, before = warm.resources()["dask"], dask_pids()
    result = run(location, "dies_once", "dask")
    assert result.success and result.steps["dies_once"].attempts == 2
    assert wait_for(lambda: len(dask_pids()) == 2 and len(before - dask_pids()) == 1)
    assert warm.resources()["dask"] is local
    assert run(location, "pid", "dask", force=True).values["pid"] in dask_pids()


def test_a_forked_child_holds_no_warm_pool(tmp_path: Path) -> None:
    run(Project(tmp_path / "project").load(), "pid", "process")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        os.write(write, str(sorted(warm.resources())).encode())
        os._exit(0)
    os.close(write)
    seen = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(child, 0)
    assert seen == "[]" and "process" in warm.resources()
