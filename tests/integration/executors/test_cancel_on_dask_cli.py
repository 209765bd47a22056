"""Canceling a run on a cluster started with ``dask scheduler`` and ``dask worker``: the worker
process running the step is stopped (its nanny starts another), the step keeps its output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from headwater.services.cancel import cancel_run
from headwater.storage.instance import Instance
from headwater.storage.processes import process_alive
from headwater.storage.records import RunStatus, StepStatus

pytestmark = [pytest.mark.slow, pytest.mark.dask, pytest.mark.timeout(240)]

PIPELINE = Path(__file__).parents[2] / "pipelines" / "lifecycle_steps.py"


def test_a_canceled_step_on_a_cli_cluster_stops_its_worker(instance: Instance, dask_cli_cluster: str) -> None:
    import distributed

    with distributed.Client(dask_cli_cluster, timeout="10s") as client:
        workers = set(client.run(os.getpid).values())
    cli = subprocess.Popen(
        [sys.executable, "-m", "headwater", "materialize", "-f", str(PIPELINE), "--executor", "dask",
         "--dask-address", dask_cli_cluster],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        # the line talky prints reaches the store live (a worker event, then the recorder)
        while not any(line.text == "talky is working" for run in instance.store.list_runs()
                      for line in instance.store.get_logs(run.run_id, "talky")):
            assert cli.poll() is None, cli.communicate()[0]
            assert time.monotonic() < deadline, "talky did not start"
            time.sleep(0.05)
        cancel_run(instance, "latest")
        asked = time.monotonic()
        while all(process_alive(pid) for pid in workers) and time.monotonic() - asked < 30:
            time.sleep(0.01)
        assert time.monotonic() - asked < 2.0, "no worker process was stopped"
        output, _ = cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()
        with distributed.Client(dask_cli_cluster, timeout="10s") as client:  # the nanny's new worker, for later tests
            client.wait_for_workers(2, timeout=60)
    assert cli.returncode == 1, output
    (run,) = instance.store.list_runs()
    assert run.status is RunStatus.CANCELED
    talky = {s.step_key: s for s in instance.store.get_steps(run.run_id)}["talky"]
    assert talky.status is StepStatus.CANCELED
    assert [line.text for line in instance.store.get_logs(run.run_id, "talky")] == ["talky is working"]
