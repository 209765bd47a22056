"""Why a step failed is a type: each failure path gives its ``FailureKind`` and its exception's text.

Each test runs one attempt of one small asset through ``run_step`` (or the forked
``run_step_isolated`` that timeouts and crashes need), with a real artifact store.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

import headwater
from headwater import asset
from headwater.definitions.node import node_of
from headwater.errors import FailureKind
from headwater.execution.executors.isolated import run_step_isolated
from headwater.execution.step import StepOutcome, StepRequest, run_step
from headwater.execution.values import StoredValue
from headwater.storage.artifacts import FsspecArtifactStore
from headwater.tracebacks import innermost_user_frame, user_frames

PACKAGE = str(Path(headwater.__file__).parent)


def attempt(fn: Any, artifacts: FsspecArtifactStore, inputs: dict[str, Any] | None = None) -> StepOutcome:
    node = node_of(fn)
    assert node is not None
    return run_step(StepRequest("run-1", node, 1, inputs or {}), artifacts)


@pytest.fixture
def artifacts(tmp_path: Path) -> FsspecArtifactStore:
    return FsspecArtifactStore(str(tmp_path / "artifacts"))


@asset
def raises() -> int:
    raise ValueError("nope")


def test_user_code_that_raises_is_a_user_failure_with_the_full_traceback_stored(artifacts) -> None:
    outcome = attempt(raises, artifacts)
    assert (outcome.ok, outcome.failure_kind, outcome.error) == (False, FailureKind.USER, "ValueError: nope")
    assert outcome.traceback is not None
    assert f"{PACKAGE}/execution/step.py" in outcome.traceback  # the stored one is whole
    shown = user_frames(outcome.traceback)
    assert PACKAGE not in shown
    assert shown.startswith("Traceback (most recent call last):\n")
    assert f'File "{__file__}"' in shown and 'raise ValueError("nope")' in shown
    assert shown.rstrip().endswith("ValueError: nope")
    line = raises.__code__.co_firstlineno + 2  # the raise, under the decorator and def lines
    assert innermost_user_frame(outcome.traceback) == f"{__file__}:{line} in raises"


@asset
def lies() -> int:
    return "not an int"  # type: ignore[return-value]


def test_a_value_that_breaks_its_hint_is_a_type_failure(artifacts) -> None:
    outcome = attempt(lies, artifacts)
    assert outcome.failure_kind is FailureKind.TYPE
    assert outcome.error == "asset 'lies': return value expected int, got str"


@asset
def reads(raw: list[int]) -> int:
    return sum(raw)


def test_an_input_whose_artifact_is_gone_is_a_storage_failure(artifacts, tmp_path: Path) -> None:
    missing = StoredValue(str(tmp_path / "gone.json"), "json", 3, "abc")
    outcome = attempt(reads, artifacts, {"raw": missing})
    assert outcome.failure_kind is FailureKind.STORAGE
    assert "gone.json" in (outcome.error or "")


@asset(timeout=0.5)
def sleeps() -> int:
    time.sleep(30)
    return 1


def test_a_step_past_its_timeout_is_a_timeout_failure(artifacts) -> None:
    node = node_of(sleeps)
    assert node is not None
    started = time.monotonic()
    outcome = run_step_isolated(StepRequest("run-1", node, 1, {}), artifacts, 0.5)
    assert time.monotonic() - started < 10
    assert outcome.failure_kind is FailureKind.TIMEOUT
    assert outcome.error == "step 'sleeps' ran past its timeout of 0.5s and was stopped"


@asset
def dies() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 1


def test_a_step_whose_process_dies_is_a_worker_lost_failure(artifacts) -> None:
    node = node_of(dies)
    assert node is not None
    outcome = run_step_isolated(StepRequest("run-1", node, 1, {}), artifacts, None)
    assert outcome.failure_kind is FailureKind.WORKER_LOST
    assert outcome.error == "the process running step 'dies' died (killed by SIGKILL)"


def test_a_successful_step_has_no_failure_kind(artifacts) -> None:
    @asset
    def fine() -> int:
        return 1

    assert attempt(fine, artifacts).failure_kind is None


_CHAINED = """Traceback (most recent call last):
  File "/opt/hw/headwater/execution/step.py", line 10, in run_step
    result = node.fn(**inputs)
             ^^^^^^^^^^^^^^^^^
  File "/home/ana/pipe.py", line 3, in load
    return open(path).read()
           ^^^^^^^^^^
FileNotFoundError: [Errno 2] No such file or directory: 'x.csv'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/opt/hw/headwater/execution/step.py", line 12, in run_step
    raise
  File "/home/ana/pipe.py", line 5, in load
    raise RuntimeError("no data")
RuntimeError: no data
"""


def test_user_frames_trims_every_part_of_a_chained_traceback() -> None:
    shown = user_frames(_CHAINED, package_dir="/opt/hw/headwater")
    assert "/opt/hw/headwater" not in shown
    assert "result = node.fn" not in shown and "^^^^^^^^^^^^^^^^^" not in shown
    assert shown.count('File "/home/ana/pipe.py"') == 2
    assert "return open(path).read()" in shown and "           ^^^^^^^^^^" in shown  # user carets stay
    assert "During handling of the above exception" in shown
    assert innermost_user_frame(_CHAINED, package_dir="/opt/hw/headwater") == "/home/ana/pipe.py:5 in load"


def test_the_tracebacks_module_example_holds() -> None:
    import doctest

    import headwater.tracebacks

    assert doctest.testmod(headwater.tracebacks).failed == 0
