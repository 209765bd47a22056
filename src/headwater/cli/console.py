"""Rendering for the terminal: the consoles and the live run observer.

:class:`ConsoleObserver` is the CLI's :class:`~headwater.execution.observer.RunObserver`.
While a run goes on it

* prints every line a step prints or logs as it happens, prefixed by the step key
  (``[train_model] fitting...``), unless ``quiet``;
* prints one line per finished step (status and duration), unless ``quiet``; steps found
  up to date are held back until the next other line, and more than
  :data:`UP_TO_DATE_SHOWN` of them in a row print as one line (``= 999 steps up to date:
  step_1 … step_999``), so a re-run of a large, unchanged pipeline stays short and fast;
* on a terminal, keeps a Rich progress line (steps done / total) below that output;
* at the end, prints each failed step's error with the user's file and line where it was
  raised (never Headwater's own frames), the run's status, its id, and the
  ``headwater runs show <id>`` hint.

Off a terminal (a pipe, a CI log, a test) it prints the same lines, plainly, with no
progress bar and no line wrapping.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from headwater.tracebacks import innermost_user_frame

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from headwater.storage.records import StepRecord

__all__ = ["ConsoleObserver", "error_console", "format_duration", "out_console", "status_style"]

#: style of each run or step status
_STYLES = {
    "SUCCESS": "green",
    "FAILURE": "red",
    "SKIPPED": "yellow",
    "UPSTREAM_FAILED": "dark_orange",
    "UP_TO_DATE": "cyan",
    "STARTED": "blue",
    "RUNNING": "blue",
    "QUEUED": "dim",
    "PENDING": "dim",
    "CANCELING": "yellow",
    "CANCELED": "yellow",
}
_MARKS = {"SUCCESS": "✔", "FAILURE": "✘", "SKIPPED": "↷", "UPSTREAM_FAILED": "↯", "UP_TO_DATE": "=", "CANCELED": "■"}
#: up-to-date steps in a row shown one line each; more are summarized in one line
UP_TO_DATE_SHOWN = 10


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # Off a terminal Rich assumes 80 columns and wraps tables to fit; a pipe or a log
    # file has no width, so give tables room unless COLUMNS says otherwise.
    interactive = hasattr(stream, "isatty") and stream.isatty()
    width = None if interactive or "COLUMNS" in os.environ else 160
    # Bound to the stream current now: while a run goes on, sys.stdout is the engine's
    # capturing proxy, and what the observer prints must reach the real terminal.
    return Console(file=stream, width=width, highlight=False)


def out_console() -> Console:
    """A console on the current stdout (created per call: tests swap ``sys.stdout``)."""
    return _console(stderr=False)


def error_console() -> Console:
    """A console on the current stderr."""
    return _console(stderr=True)


def status_style(status: object) -> str:
    return _STYLES.get(str(status), "")


def styled_status(status: object) -> str:
    """Rich markup for a status value."""
    text = str(status)
    style = status_style(text)
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


def format_duration(seconds: float | None) -> str:
    """``0.012s``, ``1.25s``, ``2m 03s``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds:.3f}s"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s"


class ConsoleObserver:
    """Shows a run on the terminal as it happens (see the module docstring).

    Args:
        console: where to print; stdout by default.
        quiet: hide step output and per-step lines; keep the summary.
    """

    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or out_console()
        self.quiet = quiet
        self.run_id: str | None = None
        self._total = 0
        self._done = 0
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        #: up-to-date steps not printed yet (see the module docstring)
        self._held: list[StepRecord] = []

    # -- the RunObserver protocol ------------------------------------------------------

    def run_started(self, run_id: str, step_keys: Sequence[str]) -> None:
        self.run_id = run_id
        self._total = len(step_keys)
        self._done = 0
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]run[/] {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("steps"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
                # the engine captures sys.stdout/stderr during the run; Rich must not too
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self._progress.add_task(run_id[:8], total=self._total)
            self._progress.start()

    def step_started(self, step_key: str, attempt: int) -> None:
        if attempt > 1 and not self.quiet:
            self._release_held()
            self._print(Text.assemble(("↻ ", "yellow"), (step_key, "bold"), f" attempt {attempt}"))

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        if self.quiet:
            return
        style = "red" if stream == "stderr" else None
        self._release_held()
        for line in text.splitlines() or [""]:
            self._print(Text.assemble((f"[{step_key}] ", "cyan"), (line, style or "")))

    def step_finished(self, record: StepRecord) -> None:
        with self._lock:
            self._done += 1
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, completed=self._done, refresh=True)
        if self.quiet:
            return
        if record.status == "UP_TO_DATE":
            with self._lock:
                self._held.append(record)
            return
        self._release_held()
        self._print(self._step_line(record))

    def _step_line(self, record: StepRecord) -> Text:
        status = str(record.status)
        parts: list[Any] = [
            (f"{_MARKS.get(status, '·')} ", status_style(status)),
            (record.step_key, "bold"),
            " ",
            (status.lower().replace("_", " "), status_style(status)),
        ]
        if record.duration is not None and status in ("SUCCESS", "FAILURE", "CANCELED"):
            parts.append(f" in {format_duration(record.duration)}")
        if record.attempts > 1:
            parts.append(f" after {record.attempts} attempts")
        if record.reason and status in ("SKIPPED", "UPSTREAM_FAILED", "UP_TO_DATE", "CANCELED"):
            parts.append((f" ({record.reason})", "dim"))
        return Text.assemble(*parts)

    def _release_held(self) -> None:
        """Print the up-to-date steps held back: each, or one line when there are many."""
        with self._lock:
            held, self._held = self._held, []
        if len(held) <= UP_TO_DATE_SHOWN:
            for record in held:
                self._print(self._step_line(record))
            return
        style = status_style("UP_TO_DATE")
        names = f"{held[0].step_key} … {held[-1].step_key}"
        self._print(Text.assemble(("= ", style), (f"{len(held)} steps", "bold"), (" up to date", style), (f": {names}", "dim")))

    def run_finished(self, result: Any) -> None:
        self._stop_progress()
        self._release_held()
        steps = list(getattr(result, "steps", {}).values())
        for record in steps:
            if str(record.status) == "FAILURE":
                message = (record.error or "failed").strip().splitlines()
                first = message[-1] if message else "failed"
                self._print(Text.assemble(("✘ ", "red"), (record.step_key, "bold red"), ": ", first))
                place = innermost_user_frame(record.traceback) if record.traceback else None
                if place is not None:
                    self._print(Text.assemble("  at ", (place, "bold")))
        counts: dict[str, int] = {}
        for record in steps:
            counts[str(record.status)] = counts.get(str(record.status), 0) + 1
        words = {"SUCCESS": "succeeded", "FAILURE": "failed", "SKIPPED": "skipped", "UPSTREAM_FAILED": "upstream failed",
                 "UP_TO_DATE": "up to date", "CANCELED": "canceled"}
        summary = ", ".join(f"{n} {words.get(s, s.lower())}" for s, n in counts.items())
        status = str(result.status)
        run_id = result.run_id
        self._print(
            Text.assemble(
                ("Run ", "bold"),
                (run_id, "bold"),
                " ",
                (status, f"bold {status_style(status)}"),
                f" in {format_duration(getattr(result, 'duration', None))}",
                f": {summary}" if summary else "",
            )
        )
        if status == "CANCELED":
            interrupted = [r.step_key for r in steps if str(r.status) == "CANCELED"]
            stopped = f"; stopped {', '.join(interrupted)} (recorded with its output so far)" if interrupted else ""
            self._print(Text.assemble(("Canceled: ", "bold yellow"), getattr(result, "error", None) or "", stopped))
        self._print(Text.assemble(("See it with: ", "dim"), f"headwater runs show {run_id}"))

    def interrupted(self) -> None:
        """Ctrl-C ended the command: say so (the run, if one started, said how it ended)."""
        self._stop_progress()
        if self.run_id is None:
            self._print(Text("Interrupted before the run started: nothing was run.", style="yellow"))

    # -- helpers -------------------------------------------------------------------------

    def _print(self, text: Text) -> None:
        with self._lock:
            self.console.print(text, soft_wrap=True, highlight=False)

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def close(self) -> None:
        """Stop the progress line (also when the run ended in an exception)."""
        self._stop_progress()
