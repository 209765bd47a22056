"""Small formatting helpers shared by the listing commands."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from headwater.storage.records import CheckEvaluation

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

__all__ = ["check_summary", "check_table", "format_time"]


def format_time(timestamp: float | None) -> str:
    """A UTC epoch time as local ``YYYY-MM-DD HH:MM:SS``; ``-`` when unknown."""
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def check_summary(evaluations: Sequence[CheckEvaluation]) -> Text:
    """Each check's latest result in one line: ``positive passed, unique FAILED (WARN)``."""
    from rich.text import Text

    line = Text()
    for i, evaluation in enumerate(evaluations):
        if i:
            line.append(", ")
        line.append(f"{evaluation.check_name} ")
        if evaluation.passed:
            line.append("passed", style="green")
        else:
            line.append("FAILED", style="red" if evaluation.severity == "ERROR" else "yellow")
            if evaluation.severity != "ERROR":
                line.append(f" ({evaluation.severity})", style="dim")
    return line if evaluations else Text("-", style="dim")


def check_table(evaluations: Sequence[CheckEvaluation]) -> Table:
    """A run's asset check results: asset, check, result, severity, blocking, metadata."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Asset checks", title_justify="left")
    for column in ("asset", "check", "result", "severity", "blocking", "description / metadata"):
        table.add_column(column, no_wrap=column != "description / metadata")
    for evaluation in evaluations:
        details = "; ".join(
            part for part in (
                evaluation.description or "",
                ", ".join(f"{k}={v}" for k, v in sorted(evaluation.metadata.items())),
            ) if part
        )
        table.add_row(
            evaluation.asset_key,
            evaluation.check_name,
            Text("passed", style="green") if evaluation.passed else Text("FAILED", style="bold red"),
            evaluation.severity,
            "yes" if evaluation.blocking else "no",
            Text(details),
        )
    return table
