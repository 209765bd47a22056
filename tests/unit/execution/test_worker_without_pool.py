"""A process-pool worker whose pool is already gone ends quietly.

A pool replaces a worker it kills (a canceled step's); when the run ends at that moment the
pool closes its end of the pipe while the replacement starts. The replacement must then
exit without a traceback on the terminal (Ctrl-C on a foreground run says
"Traceback" nowhere).
"""

from __future__ import annotations

import multiprocessing
import os

import pytest

from headwater.execution.executors.process_worker import worker_main


def test_a_worker_whose_pool_closed_its_pipe_exits_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    ours.close()  # the pool is gone before the worker says it is ready
    worker = context.Process(target=worker_main, args=(theirs, os.getpid()))
    worker.start()
    theirs.close()
    worker.join(60)
    assert worker.exitcode == 0
    assert "Traceback" not in capfd.readouterr().err
