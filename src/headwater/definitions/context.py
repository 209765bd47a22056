"""What user code sees of a run: the context protocol.

A function whose first parameter is named ``context`` receives an object satisfying
:class:`RunContext`. The engine (``headwater.execution.context``) provides the real one;
``headwater.testing.build_asset_context`` provides one for unit tests.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from headwater.definitions.node import AssetKey

__all__ = ["RunContext"]


@runtime_checkable
class RunContext(Protocol):
    """The run context passed as ``context`` to a step."""

    @property
    def run_id(self) -> str:
        """The id of the run this step belongs to."""
        ...

    @property
    def asset_key(self) -> AssetKey:
        """The key of the asset (or task) being computed."""
        ...

    @property
    def log(self) -> logging.Logger:
        """A logger whose lines are stored with the step and shown as it runs."""
        ...

    @property
    def has_partition_key(self) -> bool:
        """Whether the step computes one partition of a partitioned asset."""
        ...

    @property
    def partition_key(self) -> str:
        """The key of the partition the step computes (raises when it computes none)."""
        ...

    @property
    def partition_time_window(self) -> Any:
        """The ``TimeWindow`` of that partition, for time-window partitions."""
        ...

    def log_metric(self, name: str, value: float) -> None:
        """Record a numeric metric (accuracy, loss) for this step of this run."""
        ...

    def add_output_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Attach metadata to the value this step returns; numbers become metrics too."""
        ...
