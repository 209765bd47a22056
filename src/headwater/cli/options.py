"""Options several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["ExecutorOption", "FileOption", "ForceOption", "ModuleOption", "QuietOption"]

FileOption = Annotated[
    str | None,
    typer.Option(
        "--file",
        "-f",
        metavar="FILE",
        help="Python file defining the assets, jobs and schedules (default: \\[tool.headwater] in pyproject.toml).",
    ),
]
ModuleOption = Annotated[
    str | None,
    typer.Option("--module", "-m", metavar="MODULE", help="Importable module defining them, instead of a file."),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Hide what the steps print and log; show only the summary.")
]
ExecutorOption = Annotated[
    str | None,
    typer.Option("--executor", "-e", metavar="NAME", help="Where steps run: in_process (default) or thread."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Run every selected step, even those that are up to date.")
]
