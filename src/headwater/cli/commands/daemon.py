"""``headwater daemon``: launch queued runs (and, with the scheduler, fire schedules) until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error

__all__ = ["daemon"]


@exits_on_error
def daemon(
    max_concurrent_runs: Annotated[
        int | None,
        typer.Option("--max-concurrent-runs", min=0, metavar="N", help="Runs in flight at once, across every daemon of the store (default: no limit)."),
    ] = None,
    tag_limit: Annotated[
        list[str] | None,
        typer.Option(
            "--tag-limit", metavar="KEY[:VALUE]=N",
            help="At most N runs at once tagged KEY (=VALUE when given; KEY:*=N: N per value). Repeatable.",
        ),
    ] = None,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.001, metavar="SECONDS", help="Pause between looks at an empty queue.")
    ] = 0.02,
    heartbeat_timeout: Annotated[
        float,
        typer.Option(
            "--heartbeat-timeout", min=0.1, metavar="SECONDS",
            help="A daemon silent this long is taken for dead: the runs it claimed and had not started go back to the queue.",
        ),
    ] = 20.0,
) -> None:
    """Run the daemon: claim queued runs within the limits and start each in a fresh process.

    Runs submitted with --detach, `headwater runs submit` or headwater.submit() wait QUEUED
    until a daemon runs them; each run loads its code location from disk when it starts.
    Stop with Ctrl-C or SIGTERM: runs claimed and not started go back to the queue, runs
    started finish on their own.
    """
    from headwater.cli.console import error_console
    from headwater.scheduling.daemon import Daemon, serve
    from headwater.scheduling.limits import RunLimits, TagConcurrencyLimit
    from headwater.settings import Settings

    limits = RunLimits(max_concurrent_runs, tuple(TagConcurrencyLimit.parse(text) for text in tag_limit or []))
    settings = Settings.discover()

    def ready(running: Daemon) -> None:
        limit = "no limit" if max_concurrent_runs is None else f"at most {max_concurrent_runs} runs at once"
        error_console().print(
            f"headwater daemon {running.daemon_id} serving {settings.home} ({limit}); Ctrl-C to stop",
            markup=False, highlight=False, soft_wrap=True,
        )

    serve(settings, limits=limits, poll_interval=poll_interval, heartbeat_interval=min(2.0, heartbeat_timeout / 4),
          dead_after=heartbeat_timeout, on_ready=ready)
    error_console().print("headwater daemon stopped", markup=False, highlight=False)
