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


def _up_to_date(key: str) -> StepRecord:
    return StepRecord("r" * 32, key, StepStatus.UP_TO_DATE, reason="up to date")


def _drive_up_to_date(count: int) -> list[str]:
    """``count`` steps up to date, then one that runs, then ``count`` more up to date."""
    console = Console(file=io.StringIO(), width=200)
    observer = ConsoleObserver(console)
    keys = [f"s{i}" for i in range(2 * count + 1)]
    observer.run_started("r" * 32, keys)
    steps = {}
    for key in keys[:count]:
        steps[key] = _up_to_date(key)
        observer.step_finished(steps[key])
    middle = keys[count]
    observer.step_started(middle, 1)
    observer.step_output(middle, "stdout", "working")
    steps[middle] = StepRecord("r" * 32, middle, StepStatus.SUCCESS, attempts=1, started_at=0.0, ended_at=0.1)
    observer.step_finished(steps[middle])
    for key in keys[count + 1:]:
        steps[key] = _up_to_date(key)
        observer.step_finished(steps[key])
    observer.run_finished(_Result(steps, RunStatus.SUCCESS))
    return console.file.getvalue().splitlines()  # type: ignore[attr-defined]


def test_a_few_up_to_date_steps_print_a_line_each_in_order():
    lines = _drive_up_to_date(3)
    assert lines[:6] == [
        "= s0 up to date (up to date)", "= s1 up to date (up to date)", "= s2 up to date (up to date)",
        "[s3] working", "✔ s3 success in 0.100s", "= s4 up to date (up to date)",
    ]
    assert "SUCCESS in 1.50s: 6 up to date, 1 succeeded" in lines[-2]


def test_many_up_to_date_steps_print_as_one_line_and_what_ran_stays_live():
    lines = _drive_up_to_date(12)
    assert lines[:4] == [
        "= 12 steps up to date: s0 … s11", "[s12] working", "✔ s12 success in 0.100s",
        "= 12 steps up to date: s13 … s24",
    ]
    assert "SUCCESS in 1.50s: 24 up to date, 1 succeeded" in lines[-2]
