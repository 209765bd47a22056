"""The run observer on a (pretend) terminal: progress bar, prefixed lines, summary."""

from __future__ import annotations

import io

from rich.console import Console

from headwater.cli.console import ConsoleObserver, format_duration
from headwater.storage.records import RunStatus, StepRecord, StepStatus


class _Result:
    def __init__(self, steps: dict[str, StepRecord], status: RunStatus) -> None:
        self.run_id = "r" * 32
        self.steps = steps
        self.status = status
        self.duration = 1.5


def _drive(console: Console, quiet: bool = False) -> str:
    observer = ConsoleObserver(console, quiet=quiet)
    observer.run_started("r" * 32, ["load", "train", "score"])
    observer.step_started("load", 1)
    observer.step_output("load", "stdout", "loaded 3 rows")
    ok = StepRecord("r" * 32, "load", StepStatus.SUCCESS, attempts=1, started_at=0.0, ended_at=0.25)
    observer.step_finished(ok)
    observer.step_started("train", 1)
    observer.step_started("train", 2)
    observer.step_output("train", "stderr", "[not markup] diverged\nsecond line")
    failed = StepRecord(
        "r" * 32, "train", StepStatus.FAILURE, attempts=2, started_at=0.0, ended_at=1.0,
        error="RuntimeError: diverged", traceback="Traceback ...",
    )
    observer.step_finished(failed)
    skipped = StepRecord("r" * 32, "score", StepStatus.SKIPPED, reason="upstream 'train' failed")
    observer.step_finished(skipped)
    observer.run_finished(_Result({"load": ok, "train": failed, "score": skipped}, RunStatus.FAILURE))
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_observer_off_a_terminal_prints_plain_prefixed_lines():
    out = _drive(Console(file=io.StringIO(), width=200))
    assert "[load] loaded 3 rows" in out
    assert "[train] [not markup] diverged" in out
    assert "[train] second line" in out
    assert "train attempt 2" in out
    assert "score skipped (upstream 'train' failed)" in out
    assert "✘ train: RuntimeError: diverged" in out
    assert "FAILURE in 1.50s: 1 succeeded, 1 failed, 1 skipped" in out
    assert f"headwater runs show {'r' * 32}" in out
    assert "\x1b[" not in out  # no colour codes in a pipe


def test_observer_quiet_keeps_only_the_summary():
    out = _drive(Console(file=io.StringIO(), width=200), quiet=True)
    assert "loaded 3 rows" not in out
    assert "✘ train: RuntimeError: diverged" in out
    assert "headwater runs show" in out


def test_observer_on_a_terminal_draws_progress():
    out = _drive(Console(file=io.StringIO(), width=120, force_terminal=True))
    assert "steps" in out  # the progress line
    assert "3/3" in out
    assert "loaded 3 rows" in out


def test_format_duration():
    assert format_duration(None) == "-"
    assert format_duration(0.0123) == "0.012s"
    assert format_duration(2.5) == "2.50s"
    assert format_duration(125) == "2m 05s"
