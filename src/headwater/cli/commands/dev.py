"""``headwater dev``: the web UI, the scheduler and the run coordinator, in one command.

The web server runs in this process; the daemon (run coordinator, and the scheduler where
it is part of the daemon) runs as a child process, so each keeps its own signal handling
and a crash of one is reported, not hidden. Ctrl-C (or SIGTERM) stops the web server, then
the daemon (SIGTERM, then SIGKILL after a grace period), and exits 0.

Code reloads by itself: the web server re-imports the code location when its files change,
and every run the daemon starts loads it afresh from disk.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from headwater.cli.commands.ui import DagsFolderOption, HostOption, PortOption, TokenOption, web_server
from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["dev"]

#: seconds the daemon gets to stop after SIGTERM before it is killed
STOP_GRACE = 15.0


@exits_on_error
def dev(
    file: FileOption = None,
    module: ModuleOption = None,
    dags_folder: DagsFolderOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 3000,
    token: TokenOption = None,
) -> None:
    """Run the web UI with the scheduler and the run coordinator, for working on a project.

    Opens the UI on 127.0.0.1:3000 (print the URL, then serve), starts `headwater daemon`
    beside it to launch queued runs and fire schedules, reloads code when files change,
    and stops everything on Ctrl-C.
    """
    from headwater.cli.console import error_console, out_console
    from headwater.web.config import WebConfig

    config = WebConfig.build(host=host, port=port, token=token, file=file, module=module, dags_folder=dags_folder)
    create_app, serve = web_server()
    app = create_app(config)
    console = out_console()
    daemon = _start_daemon(file, module, dags_folder)
    watcher = threading.Thread(target=_report_exit, args=(daemon, error_console().print), daemon=True)
    watcher.start()
    try:
        serve(
            config, app,
            announce=lambda url: console.print(
                f"Headwater dev on {url} (web UI, with the scheduler and run coordinator in daemon pid "
                f"{daemon.pid}); Ctrl-C stops them all",
                highlight=False, soft_wrap=True,
            ),
        )
    finally:
        _stop(daemon)
    console.print("Headwater dev stopped", highlight=False)


def _daemon_command(file: str | None, module: str | None, dags_folder: str | None) -> list[str]:
    """``headwater daemon`` with the code location, when the daemon takes one (the scheduler's)."""
    from headwater.cli.commands import daemon as daemon_command

    accepted = inspect.signature(daemon_command.daemon).parameters
    command = [sys.executable, "-m", "headwater", "daemon"]
    for name, flag, value in (("file", "-f", file), ("module", "-m", module), ("dags_folder", "--dags-folder", dags_folder)):
        if value is not None and name in accepted:
            command += [flag, value]
    return command


def _start_daemon(file: str | None, module: str | None, dags_folder: str | None) -> subprocess.Popen[bytes]:
    # Its own process group: a Ctrl-C in the terminal reaches this process, which then
    # stops the daemon itself, in order (the web server first, so no new run is queued).
    # A long-lived service gains nothing from the warm CLI server: the daemon is its own process.
    env = {**os.environ, "HEADWATER_CLI_SERVER": "0"}
    return subprocess.Popen(_daemon_command(file, module, dags_folder), start_new_session=True, env=env)


def _report_exit(daemon: subprocess.Popen[bytes], report: Callable[..., object]) -> None:
    code = daemon.wait()
    if code not in (0, -signal.SIGTERM):
        report(f"warning: the daemon exited with code {code}; queued runs wait until it runs again", style="yellow")


def _stop(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is not None:
        return
    os.kill(daemon.pid, signal.SIGTERM)
    try:
        daemon.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()
