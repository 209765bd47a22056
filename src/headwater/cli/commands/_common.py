"""What several commands do: load the code location, open the instance, run a selection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation
    from headwater.storage.instance import Instance

__all__ = ["execute_and_exit", "load_location", "open_instance"]


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


def execute_and_exit(
    location: CodeLocation,
    selection: Any,
    *,
    quiet: bool,
    executor: str | None,
    force: bool,
    job_name: str | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Run ``selection`` of ``location`` with live output; exit 0 on success, 1 on failure."""
    from headwater.cli.console import ConsoleObserver
    from headwater.execution.run import execute

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
            )
        finally:
            observer.close()
    raise typer.Exit(0 if result.success else 1)
