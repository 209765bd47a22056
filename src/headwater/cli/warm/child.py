"""Becoming the client's process: what a child forked by the warm server does before the command.

A command run by the server must behave exactly as if the client had run it. The child:

* leads its own process group (the client sends Ctrl-C to the whole group, as a terminal
  would: a supervised run's worker gets it too) and dies with the server (``SIGHUP``);
* puts the client's stdin, stdout and stderr on its fds 0, 1 and 2 and builds
  ``sys.stdin``/``stdout``/``stderr`` afresh over them: line buffering follows ``isatty``
  of the client's own descriptors, and so do Rich's terminal detection and width;
* takes the client's current folder, umask, ``sys.argv`` and ``sys.path``, and replaces
  its whole environment with the client's (``os.environ`` and the C library's both);
* redoes what the server's imports read from the environment once: the time zone
  (``TZ``), the locale, ``tempfile``'s folder (``TMPDIR``), Typer's ``TYPER_USE_RICH``
  (``typer.rich_utils``, which reads ``TERMINAL_WIDTH``, ``FORCE_COLOR`` and the like, is
  never imported by the server); Rich reads ``NO_COLOR``, ``COLUMNS``, ``TERM`` from
  ``os.environ`` each time it makes a console, and Headwater's settings are read per call;
* ignores the signals the client's process ignored (``nohup``, a background job).

Then the ordinary CLI runs, and the process exits as any Python program does (``atexit``,
flushing, a ``KeyboardInterrupt`` ending it by ``SIGINT``).
"""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from typing import TYPE_CHECKING

from headwater.execution.lifeline import set_parent_death_signal

if TYPE_CHECKING:
    from headwater.cli.warm.place import Place
    from headwater.cli.warm.server import Request

__all__ = ["become_client", "served_by"]

#: in a command the server runs: (the server's pid, its place); None in a command run directly
served_by: tuple[int, Place] | None = None


def become_client(request: Request) -> None:
    """Turn this freshly forked child into the client's process (see the module docstring)."""
    global served_by
    os.setpgid(0, 0)
    set_parent_death_signal(signal.SIGHUP)
    if os.getppid() != request.server_pid:
        os._exit(1)  # the server died before the death signal was set
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
    for fd in request.fds:
        if fd > 2:
            os.close(fd)
    _reopen_stdio()
    os.umask(request.umask)
    os.environ.clear()
    os.environ.update(request.environ)
    os.chdir(request.cwd)
    sys.argv[:] = request.argv
    sys.path[:] = request.path
    _reread_environment()
    for name in request.ignored_signals:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    served_by = (request.server_pid, request.place)


def _reopen_stdio() -> None:
    """New ``sys.stdin``/``stdout``/``stderr`` over fds 0, 1, 2, made as Python makes them at start.

    The encoding and error handler are the server's, which the client shares: both depend
    only on the ``PYTHON*`` and locale variables, part of the server's key.
    """
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        raw.name = f"<{name}>"
        write_through = bool(getattr(old, "write_through", False))
        buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding=getattr(old, "encoding", None),
            errors=getattr(old, "errors", None),
            newline="\n",
            line_buffering=not write_through and (fd == 2 or raw.isatty()),
            write_through=write_through,
        )
        setattr(stream, "mode", "r" if fd == 0 else "w")  # as Python's own streams say
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _reread_environment() -> None:
    """Redo what was read from the server's environment when it imported (module docstring)."""
    time.tzset()
    import locale

    try:
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        pass
    import tempfile

    tempfile.tempdir = None
    typer_core = sys.modules.get("typer.core")
    if typer_core is not None and hasattr(typer_core, "HAS_RICH"):
        from typer.utils import parse_boolean_env_var

        setattr(typer_core, "HAS_RICH", parse_boolean_env_var(os.getenv("TYPER_USE_RICH"), default=True))
    rich = sys.modules.get("rich")
    if rich is not None:
        setattr(rich, "_console", None)  # a console made in the server would hold its streams
