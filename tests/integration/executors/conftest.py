"""Real Dask clusters for the executor tests, started once per session and torn down after.

* ``local_cluster``: a ``distributed.LocalCluster`` of two worker processes.
* ``dask_cli_cluster``: ``dask scheduler`` and two ``dask worker`` processes from the
  virtual environment, on free loopback ports, as a user would start them.
* ``dask_cli_one_worker``: the same with one ``dask worker`` (one thread).

Both run with ``allowed-failures`` at 0, so a worker lost mid-step fails the step at once
and Headwater's retries decide what happens next.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from headwater.definitions.loading import CodeLocation, load_code_location

PIPELINES = Path(__file__).parents[2] / "pipelines"
EXAMPLES = Path(__file__).parents[3] / "examples"


def load_pipeline(name: str) -> CodeLocation:
    """A fixture pipeline of ``tests/pipelines`` (or ``examples/``), loaded as a code location."""
    path = PIPELINES / f"{name}.py"
    return load_code_location(file=path if path.exists() else EXAMPLES / f"{name}.py")


@pytest.fixture
def pipeline() -> Callable[[str], CodeLocation]:
    """``pipeline("executors_diamond")``: load a fixture pipeline by name."""
    return load_pipeline


@pytest.fixture(scope="session")
def local_cluster() -> Iterator[str]:
    """The scheduler address of a two-worker ``LocalCluster``."""
    import dask
    import distributed

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            silence_logs=50,
        )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def dask_cli_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of ``dask scheduler`` + two ``dask worker`` processes on loopback."""
    with cli_cluster(tmp_path_factory.mktemp("dask-cli"), workers=2) as address:
        yield address


@pytest.fixture(scope="session")
def dask_cli_one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of ``dask scheduler`` + one ``dask worker`` process (one thread) on loopback."""
    with cli_cluster(tmp_path_factory.mktemp("dask-cli-one"), workers=1) as address:
        yield address


@contextlib.contextmanager
def cli_cluster(folder: Path, *, workers: int) -> Iterator[str]:
    """Start ``dask scheduler`` and ``workers`` one-thread ``dask worker`` processes (each with
    its nanny) on loopback, allowed-failures 0; yield the scheduler address, then stop them."""
    import distributed

    bindir = Path(sys.executable).parent
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    logs = (folder / "cluster.log").open("w")
    processes = [
        subprocess.Popen(
            [bindir / "dask", "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            env=env, stdout=logs, stderr=subprocess.STDOUT,
        )
    ]
    try:
        for number in range(workers):
            processes.append(
                subprocess.Popen(
                    [
                        bindir / "dask", "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                        "--no-dashboard", "--local-directory", str(folder / f"worker-{number}"),
                    ],
                    env=env, stdout=logs, stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with distributed.Client(address, timeout="2s") as client:
                    client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    raise RuntimeError(f"the dask cluster did not start; see {folder / 'cluster.log'}") from None
                time.sleep(0.2)
        yield address
    finally:
        for process in reversed(processes):  # workers first, then the scheduler
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logs.close()
