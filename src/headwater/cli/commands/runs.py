"""``headwater runs list``, ``runs submit``, ``runs show RUN_ID|latest``, ``runs cancel RUN_ID`` and
``runs reexecute RUN_ID``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from headwater.cli.errors import exits_on_error, fail
from headwater.cli.options import DaskAddressOption, ExecutorOption, FileOption, ModuleOption, QuietOption

if TYPE_CHECKING:
    from rich.console import Console

    from headwater.services.runs import RunDetail
    from headwater.storage.records import LogLine

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="List runs, show one run's steps, logs and errors, cancel or re-execute one.")


@app.command("list")
@exits_on_error
def list_runs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs to show, newest first.")] = 20,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only runs with this status, or any of several: failure,canceled."),
    ] = None,
    job: Annotated[str | None, typer.Option("--job", metavar="JOB", help="Only runs of this job.")] = None,
    dag: Annotated[str | None, typer.Option("--dag", metavar="DAG_ID", help="Only runs of this DAG.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", metavar="K=V", help="Only runs with this tag (repeatable).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="WHEN", help="Only runs created since (ISO date or date-time, UTC).")
    ] = None,
    before: Annotated[
        str | None, typer.Option("--before", metavar="RUN_ID", help="The page after this run (as the last page says).")
    ] = None,
) -> None:
    """List the latest runs, newest first, a page at a time."""
    from rich.table import Table

    from headwater.cli.commands._common import parse_logical_date
    from headwater.cli.console import format_duration, out_console, styled_status
    from headwater.cli.render import format_time
    from headwater.services.location import open_instance
    from headwater.services.runs import RunQuery, list_runs as runs_page, parse_status

    try:
        statuses = tuple(parse_status(word) for word in status.split(",")) if status is not None else ()
    except ValueError as exc:
        raise fail(str(exc)) from None
    tags: dict[str, str] = {}
    for item in tag or []:
        key, equals, value = item.partition("=")
        if not key or not equals:
            raise fail(f"--tag expects K=V, got {item!r}")
        tags[key] = value
    after = parse_logical_date(since, what="--since").timestamp() if since is not None else None
    query = RunQuery(statuses=statuses, job_name=job, dag_id=dag, tags=tags, created_after=after)
    from headwater.services.queue import queue_status

    with open_instance(sweep=False) as instance:
        page = runs_page(instance, query, limit=limit, cursor=before)
        waiting = queue_status(instance)
    console = out_console()
    if not page.runs:
        filtered = query != RunQuery() or before is not None
        console.print("No runs match." if filtered else "No runs yet. Start one with: headwater materialize")
        return
    table = Table(title="Runs", title_justify="left")
    table.add_column("run id", style="bold", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("job / selection")
    table.add_column("started", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    for run in page.runs:
        table.add_row(
            run.run_id,
            styled_status(run.status),
            run.job_name or run.selection,
            format_time(run.started_at or run.created_at),
            format_duration(run.duration),
        )
    console.print(table)
    if page.next_cursor is not None:
        console.print(f"[dim]More: headwater runs list --before {page.next_cursor}[/]", soft_wrap=True)
    if waiting.queued and not waiting.daemon_running:
        console.print(
            f"{waiting.queued} run{'s' if waiting.queued != 1 else ''} queued and no daemon is running: "
            "start one with `headwater daemon`",
            style="yellow", markup=False, highlight=False,
        )


@app.command("submit")
@exits_on_error
def submit_run(
    file: FileOption = None,
    module: ModuleOption = None,
    select: Annotated[
        str | None, typer.Option("--select", "-s", metavar="SELECTION", help="What to run (default: everything).")
    ] = None,
    job: Annotated[str | None, typer.Option("--job", "-j", metavar="JOB", help="Run this job (or DAG) instead.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag for the run (repeatable).")
    ] = None,
    run_key: Annotated[
        str | None, typer.Option("--run-key", metavar="KEY", help="A key no other run may have: submitting it twice queues one run.")
    ] = None,
    priority: Annotated[int, typer.Option("--priority", help="Higher runs are launched first.")] = 0,
    executor: ExecutorOption = None,
    force: Annotated[bool, typer.Option("--force", help="Run every selected step, even those up to date.")] = False,
    config: Annotated[
        str | None, typer.Option("--config", metavar="FILE", help="Run config (YAML or JSON), over the job's.")
    ] = None,
) -> None:
    """Queue a run for `headwater daemon` and print its id (the code loads when it starts)."""
    from headwater.cli.commands._common import report_submitted, run_options
    from headwater.services.launch import merged_run_config
    from headwater.services.location import load_location, open_instance
    from headwater.services.queue import submit_job, submit_selection

    if select is not None and job is not None:
        raise fail("give --select or --job, not both")
    tags: dict[str, str] = {}
    for item in tag or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise fail(f"--tag expects KEY=VALUE, got {item!r}")
        tags[key] = value
    location = load_location(file, module)
    options = run_options(executor=executor, force=force, tags=tags)
    run_config = merged_run_config(None, config)
    with open_instance(sweep=False) as instance:
        if job is not None:
            run_id = submit_job(instance, location, job, options=options, run_config=run_config, run_key=run_key, priority=priority)
        else:
            run_id = submit_selection(
                instance, location, select or "*", options=options, run_config=run_config, run_key=run_key,
                priority=priority,
            )
        report_submitted(run_id, instance)


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
    from headwater.cli.console import out_console
    from headwater.services.location import open_instance
    from headwater.services.logs import run_logs
    from headwater.services.runs import run_detail

    with open_instance(sweep=False) as instance:
        detail = run_detail(instance, run_id)
        lines = [entry.line for entry in run_logs(instance, detail.run.run_id).entries] if logs else []
    _render_run(out_console(), detail, lines, full_traceback=full_traceback)


@app.command("cancel")
@exits_on_error
def cancel_run(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="The run to cancel (a unique prefix, or 'latest').")],
    wait: Annotated[
        float,
        typer.Option("--wait", min=0, metavar="SECONDS", help="Wait this long for the run to end (0: return at once)."),
    ] = 30.0,
) -> None:
    """Cancel a run: a queued run at once; a running one stops its steps, keeps what they printed, ends CANCELED.

    Exits 0 once the run is canceled (or still canceling when --wait runs out), 2 when it
    had already ended.
    """
    from headwater.cli.console import out_console, styled_status
    from headwater.services.cancel import cancel_run as request_cancel, wait_until_ended
    from headwater.services.location import open_instance

    with open_instance() as instance:
        run = request_cancel(instance, run_id)
        if not run.status.finished and wait > 0:
            run = wait_until_ended(instance, run.run_id, timeout=wait)
    console = out_console()
    console.print(f"Run {run.run_id}: {styled_status(run.status)}", highlight=False)
    if not run.status.finished:
        console.print(
            "Its process is stopping its steps; the run ends CANCELED when they have stopped "
            "(or as lost, should its process be gone).", highlight=False,
        )


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
    from headwater.cli.commands._common import run_options, run_with_console
    from headwater.services.launch import reexecute_run
    from headwater.services.location import load_location, open_instance

    location = load_location(file, module) if file is not None or module is not None else None
    options = run_options(executor=executor, dask_address=dask_address)
    with open_instance() as instance:
        run_with_console(
            lambda observer: reexecute_run(
                instance, run_id, from_failure=from_failure, from_step=from_step, location=location,
                options=options, observer=observer,
            ),
            quiet=quiet,
        )


def _render_run(console: Console, detail: RunDetail, lines: list[LogLine], *, full_traceback: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    from headwater.tracebacks import user_frames

    from headwater.cli.console import format_duration, status_style, styled_status
    from headwater.cli.render import check_table, format_time

    run, steps, checks = detail.run, detail.steps, detail.checks
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
        if step.failure_kind is not None:
            note = f"[{_KIND_WORDS.get(step.failure_kind.value, step.failure_kind.value)}] {note}"
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
        kind = f": {_KIND_WORDS.get(step.failure_kind.value, step.failure_kind.value)}" if step.failure_kind else ""
        _print_heading(console, f"{step.step_key} ({step.status}{kind})", status_style(step.status))
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


#: how a step's failure kind reads on the terminal
_KIND_WORDS = {"user": "user code", "type": "type check", "storage": "storage", "timeout": "timeout",
               "worker_lost": "worker lost"}


def _print_heading(console: Console, title: str, style: str) -> None:
    from rich.text import Text

    console.print(Text.assemble("── ", (title, f"bold {style}".strip()), " ──"), soft_wrap=True)


def _print_line(console: Console, line: LogLine) -> None:
    from rich.text import Text

    prefix = f"{line.level} " if line.stream == "log" and line.level else ""
    style = "red" if line.stream == "stderr" or line.level in ("ERROR", "CRITICAL") else ""
    console.print(Text.assemble((prefix, "dim"), (line.text, style)), soft_wrap=True, highlight=False)
