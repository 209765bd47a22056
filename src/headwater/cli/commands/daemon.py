"""``headwater daemon`` and ``headwater scheduler``: launch queued runs and fire schedules until stopped.

``headwater scheduler`` (Airflow's name) is the daemon with a code location it must find;
``headwater daemon`` fires the schedules of the code location it finds (``-f``, ``-m``,
``--dags-folder`` or the project's ``[tool.headwater]``) and only launches queued runs when
there is none.
"""

from __future__ import annotations

from typing import Annotated

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["daemon", "scheduler"]

DagsFolderOption = Annotated[
    str | None,
    typer.Option(
        "--dags-folder", "--subdir", "-S", metavar="DIR",
        help="A folder of DAG files (Airflow's dags folder), each re-read when it changes.",
    ),
]


MaxConcurrentRunsOption = Annotated[
    int | None,
    typer.Option("--max-concurrent-runs", min=0, metavar="N", help="Runs in flight at once, across every daemon of the store (default: no limit)."),
]


@exits_on_error
def daemon(
    file: FileOption = None,
    module: ModuleOption = None,
    dags_folder: DagsFolderOption = None,
    max_concurrent_runs: MaxConcurrentRunsOption = None,
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
    """Run the daemon: fire due schedule ticks, claim queued runs within the limits and start each in a fresh process.

    The schedules are those of the code location given (or named in pyproject.toml),
    re-read when its files change. Runs submitted with --detach, `headwater runs submit` or headwater.submit() wait QUEUED
    until a daemon runs them; each run loads its code location from disk when it starts.
    Stop with Ctrl-C or SIGTERM: runs claimed and not started go back to the queue, runs
    started finish on their own.
    """
    _serve("daemon", file, module, dags_folder, max_concurrent_runs, tag_limit, poll_interval, heartbeat_timeout)


@exits_on_error
def scheduler(
    file: FileOption = None,
    module: ModuleOption = None,
    dags_folder: DagsFolderOption = None,
    max_concurrent_runs: MaxConcurrentRunsOption = None,
    heartbeat_timeout: Annotated[
        float,
        typer.Option("--heartbeat-timeout", min=0.1, metavar="SECONDS", help="A daemon silent this long is taken for dead."),
    ] = 20.0,
) -> None:
    """Run the scheduler (Airflow's name for the daemon): fire the schedules of a code location and launch their runs.

    New DAGs start paused: `headwater dags unpause DAG_ID`; Dagster schedules start as their
    default_status says: `headwater schedules start NAME`. Stop with Ctrl-C or SIGTERM.
    """
    _serve("scheduler", file, module, dags_folder, max_concurrent_runs, None, 0.02, heartbeat_timeout)


def _serve(
    command: str,
    file: str | None,
    module: str | None,
    dags_folder: str | None,
    max_concurrent_runs: int | None,
    tag_limit: list[str] | None,
    poll_interval: float,
    heartbeat_timeout: float,
) -> None:
    from headwater.cli.console import error_console
    from headwater.errors import CodeLocationError
    from headwater.scheduling.backfill_daemon import backfill_part
    from headwater.scheduling.daemon import Daemon, serve
    from headwater.scheduling.limits import RunLimits, TagConcurrencyLimit
    from headwater.scheduling.locations import WatchedLocations
    from headwater.scheduling.scheduler import scheduler_part
    from headwater.settings import Settings

    try:
        locations: WatchedLocations | None = WatchedLocations(file, module, dags_folder)
    except CodeLocationError:
        if command == "scheduler" or file or module or dags_folder:
            raise
        locations = None  # a daemon with no code location only launches queued runs
    limits = RunLimits(max_concurrent_runs, tuple(TagConcurrencyLimit.parse(text) for text in tag_limit or []))
    settings = Settings.discover()

    def ready(running: Daemon) -> None:
        limit = "no limit" if max_concurrent_runs is None else f"at most {max_concurrent_runs} runs at once"
        error_console().print(
            f"headwater {command} {running.daemon_id} serving {settings.home} ({limit}; "
            f"{'schedules of ' + locations.describe() if locations is not None else 'no schedules'}); Ctrl-C to stop",
            markup=False, highlight=False, soft_wrap=True,
        )

    serve(settings, limits=limits, poll_interval=poll_interval, heartbeat_interval=min(2.0, heartbeat_timeout / 4),
          dead_after=heartbeat_timeout, on_ready=ready,
          extra_parts=[backfill_part(settings), *([scheduler_part(locations, settings)] if locations is not None else [])])
    error_console().print(f"headwater {command} stopped", markup=False, highlight=False)
