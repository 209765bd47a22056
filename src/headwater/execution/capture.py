"""Capturing what steps print and log, per step, while the rest of the process goes on.

While a run is active, ``sys.stdout`` and ``sys.stderr`` are replaced by proxies and a
handler is put on the root logger and on the ``headwater.user`` logger (``context.log``).
Which step a line belongs to is read from a context variable that the step runner sets
around each call into user code, so steps running in parallel threads keep their lines
apart. Writes from outside any step go straight to the original stream.

Lines are complete: a partial write is held until its newline (or the step's end). Each
line goes to the step's sink, which stores it and shows it live (prefixed by the step).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO

__all__ = ["LineSink", "USER_LOGGER", "capture_output", "step_output"]

#: receives (stream, text, level) for each complete line of a step
LineSink = Callable[[str, str, "str | None"], None]

USER_LOGGER = "headwater.user"

_current: ContextVar[_StepLines | None] = ContextVar("headwater_step_lines", default=None)
_lock = threading.Lock()
_active = 0
_saved: tuple[TextIO, TextIO, int] | None = None


class _StepLines:
    """The pending partial lines of one step, per stream."""

    __slots__ = ("partial", "sink")

    def __init__(self, sink: LineSink) -> None:
        self.sink = sink
        self.partial: dict[str, str] = {}

    def write(self, stream: str, text: str) -> None:
        pending = self.partial.pop(stream, "") + text
        *lines, rest = pending.split("\n")
        for line in lines:
            self.emit(stream, line, None)
        if rest:
            self.partial[stream] = rest

    def emit(self, stream: str, text: str, level: str | None) -> None:
        # The sink may print (to show the line live): that must reach the real stream,
        # not come back here.
        token = _current.set(None)
        try:
            self.sink(stream, text, level)
        finally:
            _current.reset(token)

    def flush_partial(self) -> None:
        for stream, rest in self.partial.items():
            self.emit(stream, rest, None)
        self.partial.clear()


class _StreamProxy:
    """Stands in for ``sys.stdout``/``sys.stderr``: routes a step's writes to the step."""

    def __init__(self, name: str, original: TextIO) -> None:
        self._name = name
        self._original = original

    def write(self, text: str) -> int:
        lines = _current.get()
        if lines is None:
            return self._original.write(text)
        lines.write(self._name, text)
        return len(text)

    def flush(self) -> None:
        if _current.get() is None:
            self._original.flush()

    def isatty(self) -> bool:
        return False if _current.get() is not None else self._original.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class _StepLogHandler(logging.Handler):
    """Sends log records made inside a step to that step."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        lines = _current.get()
        if lines is None:
            return
        try:
            text = self.format(record)
        except Exception:  # a bad format string in user code must not kill the step
            text = str(record.msg)
        for line in text.split("\n"):
            lines.emit("log", line, record.levelname)


_handler = _StepLogHandler()


@contextlib.contextmanager
def capture_output() -> Iterator[None]:
    """Install the proxies and log handlers for as long as the block runs (re-entrant)."""
    global _active, _saved
    with _lock:
        if _active == 0:
            root = logging.getLogger()
            _saved = (sys.stdout, sys.stderr, root.level)
            sys.stdout = _StreamProxy("stdout", sys.stdout)
            sys.stderr = _StreamProxy("stderr", sys.stderr)
            root.addHandler(_handler)
            # An unconfigured root logger drops INFO; steps' logging.info lines are wanted.
            if root.level == logging.WARNING and len(root.handlers) == 1:
                root.setLevel(logging.INFO)
            user = logging.getLogger(USER_LOGGER)
            user.setLevel(logging.DEBUG)
            user.propagate = False
            user.addHandler(_handler)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                sys.stdout, sys.stderr, level = _saved
                root = logging.getLogger()
                root.removeHandler(_handler)
                root.setLevel(level)
                logging.getLogger(USER_LOGGER).removeHandler(_handler)
                _saved = None


@contextlib.contextmanager
def step_output(sink: LineSink) -> Iterator[None]:
    """Route what the current thread prints and logs to ``sink`` while the block runs."""
    lines = _StepLines(sink)
    token = _current.set(lines)
    try:
        yield
    finally:
        _current.reset(token)
        lines.flush_partial()

