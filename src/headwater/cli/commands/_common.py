"""What several commands do: load the code location, open the instance, run a selection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = [
    "ParallelSettings",
    "execute_and_exit",
    "load_location",
    "open_instance",
    "parallel_settings",
    "parse_logical_date",
    "run_job_and_exit",
]


def load_location(file: str | None, module: str | None) -> CodeLocation:
    """Load the code location named by ``-f``/``-m``, or the pyproject default."""
    from headwater.definitions.loading import load_code_location

    return load_code_location(file=file, module=module)


@contextmanager
def open_instance() -> Iterator[Instance]:
    """The instance under ``HEADWATER_HOME``, closed on the way out."""
    from headwater.storage.instance import Instance

    instance = Instance.get()
    try:
        yield instance
    finally:
        instance.close()


@dataclass(frozen=True, slots=True)
class ParallelSettings:
    """The parallel-execution options of a run command, checked."""

    max_concurrency: int | None = None
    executor_config: dict[str, Any] = field(default_factory=dict)
    pool_limits: dict[str, int] = field(default_factory=dict)


def parallel_settings(
    max_concurrency: int | None, dask_address: str | None, pool_limit: list[str] | None
) -> ParallelSettings:
    """Read ``--max-concurrency``, ``--dask-address`` and ``--pool-limit POOL=N`` options."""
    limits: dict[str, int] = {}
    for item in pool_limit or []:
        name, _, number = item.partition("=")
        if not name or not number.strip().isdigit() or int(number) < 1:
            raise typer.BadParameter(f"expected POOL=N with N >= 1, got {item!r}", param_hint="--pool-limit")
        limits[name.strip()] = int(number)
    config = {"dask_address": dask_address} if dask_address else {}
    return ParallelSettings(max_concurrency, config, limits)


def parse_logical_date(text: str | None) -> datetime:
    """A ``[LOGICAL_DATE]`` argument (ISO date or date-time, UTC unless it says); now when None."""
    from datetime import UTC

    from headwater.cli.errors import fail

    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"LOGICAL_DATE {text!r} is not an ISO date or date-time (2024-01-31 or 2024-01-31T06:00)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def execute_and_exit(
    location: CodeLocation,
    selection: Any,
    *,
    quiet: bool,
    executor: str | None,
    force: bool,
    job_name: str | None = None,
    tags: dict[str, str] | None = None,
    parallel: ParallelSettings | None = None,
    run_config: object = None,
) -> None:
    """Run ``selection`` of ``location`` with live output; exit 0 on success, 1 on failure."""
    from headwater.cli.console import ConsoleObserver
    from headwater.execution.run import execute

    settings = parallel or ParallelSettings()
    observer = ConsoleObserver(quiet=quiet)
    with open_instance() as instance:
        try:
            result = execute(
                location,
                selection,
                instance=instance,
                job_name=job_name,
                executor=executor,
                observer=observer,
                tags=tags,
                force=force,
                max_concurrency=settings.max_concurrency,
                executor_config=settings.executor_config,
                pool_limits=settings.pool_limits,
                run_config=run_config,
            )
        finally:
            observer.close()
    raise typer.Exit(0 if result.success else 1)


def run_job_and_exit(
    location: CodeLocation,
    job_name: str,
    *,
    quiet: bool,
    executor: str | None,
    force: bool,
    parallel: ParallelSettings,
    tags: dict[str, str] | None = None,
    config_file: str | None = None,
) -> None:
    """Run the job (or DAG) ``job_name`` of ``location``: its selection, tags, executor and
    config (the job's ``config=``, with ``config_file``'s entries over it)."""
    from headwater.definitions.selection import AssetSelection

    definition = location.job(job_name)  # unknown: DefinitionError with the closest names
    selection = definition.selection if isinstance(definition.selection, str | AssetSelection) else list(definition.selection)
    execute_and_exit(
        location,
        selection,
        quiet=quiet,
        executor=executor or definition.executor or location.executor,
        parallel=parallel,
        force=force,
        job_name=definition.name,
        tags={**dict(definition.tags), **(tags or {})},
        run_config=merged_run_config(definition.config, config_file),
    )


def merged_run_config(base: object, config_file: str | None) -> object:
    """``base`` (a job's config) with the entries of ``config_file`` over it, op by op."""
    if config_file is None:
        return base
    from headwater.planning.run_config import load_run_config_file

    loaded = load_run_config_file(config_file)
    if base is None:
        return loaded
    base_dict = base.to_config_dict() if hasattr(base, "to_config_dict") else dict(base)  # type: ignore[call-overload]
    return {
        section: {**dict(base_dict.get(section) or {}), **dict(loaded.get(section) or {})}
        for section in ("ops", "resources")
        if base_dict.get(section) or loaded.get(section)
    }
