"""Supervising the process of a run, so that a step that kills it is named.

On the in-process and thread executors a step runs inside the run's own process. A
segfault in native code, or ``os._exit`` in the step, ends that whole process at once,
with nothing left to say what happened. So the CLI runs its run commands under a tiny
supervisor: :func:`supervise` forks; the child goes on to run the command, and the parent
waits for it.

The child reports through a pipe the run it starts and each step as it starts and ends:
a few bytes per step, no database write (:func:`track`). When the child dies while its run
is still recorded as started (by a signal, or an exit from inside a step), the parent:

* names the step or steps that were running:
  ``the process died while running step 'train': exit code -11 (killed by SIGSEGV: ...)``;
* records it: those steps and the run end FAILURE with that message;
* prints it and exits 1.

Steps that finished before are on record already: the recorder writes every record within
0.1 s (:mod:`headwater.execution.recorder`). A child that exits normally (its run recorded
as ended) passes its exit code through unchanged.

Signals: the supervisor ignores ``SIGINT`` (the terminal sends Ctrl-C to the child too,
which cancels its run) and passes ``SIGTERM``, ``SIGHUP`` and ``SIGQUIT`` on to the child.
Should the supervisor itself be killed, the child dies with it (the parent-death signal,
see :mod:`headwater.execution.lifeline`) and, its heartbeat stopped, the run is closed as
lost (:mod:`headwater.scheduling.recovery`).

Messages on the pipe, one a line, fields separated by ``\\x1f``::

    R <run id> <run store URL>          a run started (its record is written)
    S <start time> <attempt> <step key> a step started
    E <step key>                        a step ended
    D                                   the run ended (its end is recorded)

Where ``os.fork`` does not exist (Windows), commands run unsupervised.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from headwater.errors import FailureKind, RunNotFound
from headwater.execution.lifeline import describe_exit, die_with
from headwater.execution.observer import RunObserver
from headwater.storage.records import Event, EventKind, RunStatus, StepAttempt, StepRecord, StepStatus

__all__ = ["supervise", "track"]

_SEPARATOR = "\x1f"
_FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

#: in a supervised child: the pipe to the supervisor, while no run is reporting on it
_channel: int | None = None


def supervise() -> None:
    """Fork; the child returns at once and runs the command, the parent waits and exits.

    The parent never returns: it exits with the child's exit code, or with 1 after naming
    the step that killed the child. Does nothing where ``os.fork`` is missing.
    """
    global _channel
    if not hasattr(os, "fork"):
        return
    read_end, write_end = os.pipe()
    supervisor = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _channel = write_end
        die_with(supervisor)
        return
    os.close(write_end)
    sys.exit(_wait_and_report(pid, read_end))


def track(database_url: str, observer: RunObserver) -> RunObserver:
    """``observer``, also reporting to the supervisor when this process has one.

    Args:
        database_url: the run store the run is recorded in, where the supervisor closes it.
        observer: the run's observer, still told of everything.

    Only one run at a time reports (a run started from inside a step does not).
    """
    global _channel
    channel, _channel = _channel, None
    if channel is None:
        return observer
    return _Tracking(channel, database_url, observer)


class _Tracking:
    """An observer that also tells the supervisor which steps run, then the inner observer."""

    def __init__(self, channel: int, database_url: str, inner: RunObserver) -> None:
        self._channel = channel
        self._database_url = database_url
        self._inner = inner

    def send(self, *fields: str) -> None:
        try:
            os.write(self._channel, (_SEPARATOR.join(fields) + "\n").encode())
        except OSError:
            pass  # the supervisor is gone: this process is about to follow it

    def run_started(self, run_id: str, step_keys: Sequence[str]) -> None:
        self.send("R", run_id, self._database_url)  # the run's record exists by now
        self._inner.run_started(run_id, step_keys)

    def step_started(self, step_key: str, attempt: int) -> None:
        self.send("S", repr(time.time()), str(attempt), step_key)
        self._inner.step_started(step_key, attempt)

    def step_finished(self, record: StepRecord) -> None:
        self.send("E", record.step_key)
        self._inner.step_finished(record)

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        self._inner.step_output(step_key, stream, text)

    def run_finished(self, result: Any) -> None:
        global _channel
        self.send("D")  # the run's end is recorded
        _channel = self._channel  # the next run of this process may report
        self._inner.run_finished(result)


# -- the supervisor's side ------------------------------------------------------------------


class _Report:
    """What the child said: its run, and the steps running (key -> start time, attempt)."""

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.database_url: str | None = None
        self.running: dict[str, tuple[float, int]] = {}
        self.ended = False
        self._partial = b""

    def feed(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            kind, *fields = line.decode(errors="replace").split(_SEPARATOR)
            if kind == "R" and len(fields) == 2:
                self.run_id, self.database_url = fields
                self.running.clear()
                self.ended = False
            elif kind == "S" and len(fields) == 3:
                self.running[fields[2]] = (float(fields[0]), int(fields[1]))
            elif kind == "E" and len(fields) == 1:
                self.running.pop(fields[0], None)
            elif kind == "D":
                self.ended = True


def _wait_and_report(pid: int, channel: int) -> int:
    """Wait for the child ``pid``, reading its reports; the exit code the command ends with."""
    forwarded: list[int] = []

    def forward(signum: int, frame: object) -> None:
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in _FORWARDED:
        signal.signal(signum, forward)
    # SIGCHLD wakes the select below through this pipe, so the child's end is seen at once.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    report = _Report()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _, _ = select.select([channel, wake_r], [], [], 1.0)
        if channel in ready:
            report.feed(os.read(channel, 1 << 16))
        if wake_r in ready:
            _drain(wake_r)
    # Processes the child started may hold the pipe open: read what is there, no more.
    os.set_blocking(channel, False)
    report.feed(_drain(channel))
    exitcode = os.waitstatus_to_exitcode(status)
    code = _conclude(report, exitcode)
    if forwarded and exitcode == -forwarded[-1]:
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    return code


def _drain(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _conclude(report: _Report, exitcode: int) -> int:
    """Record and print how the child died, when its run was left open; the exit code."""
    if exitcode == 0 or (exitcode > 0 and report.ended):
        return exitcode  # a run that failed, say, and recorded so itself
    if report.run_id is None or report.database_url is None:
        if exitcode < 0:
            _say(f"headwater died before its run started: exit code {exitcode} ({describe_exit(exitcode)})")
            return 1
        return exitcode
    message = _death_message(report, exitcode)
    if not _close_run(report, message):
        if exitcode < 0:
            _say(f"headwater died after its run ended: exit code {exitcode} ({describe_exit(exitcode)})")
            return 1
        return exitcode  # the run was closed by the child itself: its exit code stands
    _say(f"{message}\nThe run {report.run_id} is recorded as failed; see: headwater runs show {report.run_id}")
    return 1


def _death_message(report: _Report, exitcode: int) -> str:
    detail = f"exit code {exitcode}" + (f" ({describe_exit(exitcode)})" if exitcode < 0 else "")
    keys = sorted(report.running, key=report.running.__getitem__)
    if not keys:
        return f"the process died while running run {report.run_id}, between steps: {detail}"
    steps = f"step {keys[0]!r}" if len(keys) == 1 else "steps " + ", ".join(repr(k) for k in keys)
    return f"the process died while running {steps}: {detail}"


def _close_run(report: _Report, message: str) -> bool:
    """Mark the run and its running steps failed, if the run is still open; whether it was."""
    from headwater.storage.sql.store import SqlStore

    assert report.run_id is not None and report.database_url is not None
    now = time.time()
    with SqlStore(report.database_url) as store:
        try:
            if store.get_run(report.run_id).status not in (RunStatus.STARTED, RunStatus.CANCELING):
                return False
        except RunNotFound:
            return False
        store.upsert_steps(
            [
                StepRecord(
                    report.run_id, key, StepStatus.FAILURE, attempt, started, now, error=message,
                    failure_kind=FailureKind.WORKER_LOST,
                )
                for key, (started, attempt) in report.running.items()
            ]
        )
        store.add_events(
            [Event(report.run_id, EventKind.STEP_FAILURE, now, key, message) for key in report.running]
            + [Event(report.run_id, EventKind.RUN_FAILURE, now, message=message)]
        )
        store.add_attempts(
            [
                StepAttempt(report.run_id, key, attempt, StepStatus.FAILURE, started, now, message,
                            failure_kind=FailureKind.WORKER_LOST)
                for key, (started, attempt) in report.running.items()
            ]
        )
        store.update_run(report.run_id, status=RunStatus.FAILURE, ended_at=now, error=message)
    return True


def _say(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
