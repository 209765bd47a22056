"""``headwater runs list``, ``runs show RUN_ID|latest`` and ``runs reexecute RUN_ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from headwater.cli.errors import exits_on_error, fail
from headwater.cli.options import DaskAddressOption, ExecutorOption, FileOption, ModuleOption, QuietOption

if TYPE_CHECKING:
    from rich.console import Console

    from headwater.storage.base import RunStore
    from headwater.storage.records import CheckEvaluation, LogLine, Run, StepRecord

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List runs and show one run's steps, logs and errors.")


@app.command("list")
@exits_on_error
def list_runs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs to show, newest first.")] = 20,
    status: Annotated[
        str | None, typer.Option("--status", help="Only runs with this status (SUCCESS, FAILURE, STARTED, ...).")
    ] = None,
) -> None:
    """List the latest runs, newest first."""
    from rich.table import Table

    from headwater.cli.commands._common import open_instance
    from headwater.cli.console import format_duration, out_console, styled_status
    from headwater.cli.render import format_time
    from headwater.storage.records import RunStatus

    wanted: RunStatus | None = None
    if status is not None:
        try:
            wanted = RunStatus(status.upper())
        except ValueError:
            raise fail(f"unknown status {status!r}; choose one of {', '.join(s.value for s in RunStatus)}") from None
    from headwater.execution.reaper import reap_dead_runs

    with open_instance() as instance:
        if not instance.read_only:
            reap_dead_runs(instance.store)
        runs = instance.store.list_runs(limit=limit, status=wanted)
    console = out_console()
    if not runs:
        console.print("No runs yet. Start one with: headwater materialize")
        return
    table = Table(title="Runs", title_justify="left")
    table.add_column("run id", style="bold", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("job / selection")
    table.add_column("started", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    for run in runs:
        table.add_row(
            run.run_id,
            styled_status(run.status),
            run.job_name or run.selection,
            format_time(run.started_at or run.created_at),
            format_duration(run.duration),
        )
    console.print(table)


@app.command("show")
@exits_on_error
def show_run(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="A run id (a unique prefix will do), or 'latest'.")],
    logs: Annotated[bool, typer.Option("--logs/--no-logs", help="Show each step's captured output.")] = True,
    full_traceback: Annotated[
        bool, typer.Option("--full-traceback", help="Show failures' tracebacks with Headwater's own frames too.")
    ] = False,
) -> None:
    """Show one run: its status, its steps, what each printed and logged, and errors."""
    from headwater.cli.commands._common import open_instance
    from headwater.cli.console import out_console

    with open_instance() as instance:
        store = instance.store
        run = _find_run(store, run_id)
        steps = store.get_steps(run.run_id)
        lines = store.get_logs(run.run_id) if logs else []
        checks = store.get_check_evaluations(run_id=run.run_id)
    _render_run(out_console(), run, steps, lines, checks, full_traceback=full_traceback)


@app.command("reexecute")
@exits_on_error
def reexecute_run(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="The run to re-execute (a unique prefix, or 'latest').")],
    from_failure: Annotated[
        bool,
        typer.Option(
            "--from-failure/--all",
            help="Rerun the failed steps and their downstream, reading the rest from that run's stored values "
            "(default); or rerun every step of the run.",
        ),
    ] = True,
    from_step: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="STEP",
            help="Rerun this step of the run and its downstream, reading the rest from that run's stored values.",
        ),
    ] = None,
    file: FileOption = None,
    module: ModuleOption = None,
    quiet: QuietOption = False,
    executor: ExecutorOption = None,
    dask_address: DaskAddressOption = None,
) -> None:
    """Re-execute a run, by default from its failures, with the code as it is now.

    Steps that do not rerun hand over what that run stored: their values and the XComs
    their tasks pushed.
    """
    from headwater.cli.commands._common import load_location, open_instance
    from headwater.cli.console import ConsoleObserver
    from headwater.execution.run import reexecute

    location = load_location(file, module) if file is not None or module is not None else None
    observer = ConsoleObserver(quiet=quiet)
    with open_instance() as instance:
        original = _find_run(instance.store, run_id)
        try:
            result = reexecute(
                original.run_id, instance=instance, from_failure=from_failure, from_step=from_step, location=location,
                executor=executor, observer=observer,
                executor_config={"dask_address": dask_address} if dask_address else None,
            )
        finally:
            observer.close()
    raise typer.Exit(0 if result.success else 1)


def _find_run(store: RunStore, run_id: str) -> Run:
    """The run ``run_id`` names: ``latest``, a full id, or a unique prefix of one."""
    from headwater.errors import RunNotFound

    if run_id == "latest":
        run = store.latest_run()
        if run is None:
            raise RunNotFound("no runs yet: start one with `headwater materialize`")
        return run
    try:
        return store.get_run(run_id)
    except RunNotFound:
        pass
    # A prefix, as `runs list` users copy a short one. Recent runs are the likely ones.
    matches = [r for r in store.list_runs(limit=1000) if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise RunNotFound(f"run id prefix {run_id!r} is ambiguous: it matches {len(matches)} runs")
    raise RunNotFound(f"no run with id {run_id!r}; `headwater runs list` shows the recent ones")


def _render_run(
    console: Console,
    run: Run,
    steps: list[StepRecord],
    lines: list[LogLine],
    checks: list[CheckEvaluation],
    *,
    full_traceback: bool = False,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from headwater.tracebacks import user_frames

    from headwater.cli.console import format_duration, status_style, styled_status
    from headwater.cli.render import check_table, format_time

    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold")
    header.add_column()
    header.add_row("run", run.run_id)
    header.add_row("status", styled_status(run.status))
    if run.job_name:
        header.add_row("job", run.job_name)
    header.add_row("selection", Text(run.selection))
    header.add_row("started", format_time(run.started_at or run.created_at))
    header.add_row("ended", format_time(run.ended_at))
    header.add_row("duration", format_duration(run.duration))
    if run.tags:
        header.add_row("tags", Text(", ".join(f"{k}={v}" for k, v in sorted(run.tags.items()))))
    console.print(header)
    if run.error:
        console.print(Text(run.error, style="red"), soft_wrap=True)

    table = Table(title="Steps", title_justify="left")
    table.add_column("step", style="bold", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("attempts", justify="right")
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("note")
    for step in steps:
        note = step.reason or ""
        if step.error and str(step.status) == "FAILURE":
            note = step.error.strip().splitlines()[-1] if step.error.strip() else note
        table.add_row(
            step.step_key,
            styled_status(step.status),
            str(step.attempts),
            format_duration(step.duration),
            Text(note, style=status_style(step.status) if str(step.status) == "FAILURE" else "dim"),
        )
    console.print(table)
    if checks:
        console.print(check_table(checks))

    by_step: dict[str, list[LogLine]] = {}
    for line in lines:
        by_step.setdefault(line.step_key, []).append(line)
    for step in steps:
        step_lines = by_step.pop(step.step_key, [])
        failed = str(step.status) == "FAILURE" and (step.error or step.traceback)
        if not step_lines and not failed:
            continue
        _print_heading(console, f"{step.step_key} ({step.status})", status_style(step.status))
        for line in step_lines:
            _print_line(console, line)
        if failed:
            if step.error:
                console.print(Text(f"error: {step.error}", style="bold red"), soft_wrap=True)
            if step.traceback:
                shown = step.traceback if full_traceback else user_frames(step.traceback)
                console.print(Text(shown.rstrip(), style="red"), soft_wrap=True)
    for step_key, orphan_lines in by_step.items():  # lines of steps the run no longer lists
        _print_heading(console, step_key, "")
        for line in orphan_lines:
            _print_line(console, line)


def _print_heading(console: Console, title: str, style: str) -> None:
    from rich.text import Text

    console.print(Text.assemble("── ", (title, f"bold {style}".strip()), " ──"), soft_wrap=True)


def _print_line(console: Console, line: LogLine) -> None:
    from rich.text import Text

    prefix = f"{line.level} " if line.stream == "log" and line.level else ""
    style = "red" if line.stream == "stderr" or line.level in ("ERROR", "CRITICAL") else ""
    console.print(Text.assemble((prefix, "dim"), (line.text, style)), soft_wrap=True, highlight=False)
