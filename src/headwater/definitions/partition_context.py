"""What a step's context says about the partition it computes (Dagster's names).

Both the engine's context and the one ``build_asset_context`` makes for tests inherit
:class:`PartitionFacts`::

    context.has_partition_key        # True in a run of one partition of a partitioned asset
    context.partition_key            # "2026-01-02"
    context.partition_time_window    # TimeWindow(start=2026-01-02 00:00 UTC, end=2026-01-03 00:00 UTC)
"""

from __future__ import annotations

from typing import Any

from headwater.definitions.partitions import PartitionKeyRange, TimeWindow, TimeWindowPartitionsDefinition

__all__ = ["PartitionFacts"]


class PartitionFacts:
    """The partition a step computes: its key, its range and its time window."""

    def __init__(self, partition_key: str | None = None, partitions_def: Any = None) -> None:
        self._partition_key = partition_key
        self._partitions_def = partitions_def

    @property
    def has_partition_key(self) -> bool:
        """Whether the step computes one partition."""
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        """The key of the partition the step computes.

        Raises:
            ValueError: the step is not partitioned (check ``has_partition_key``).
        """
        if self._partition_key is None:
            raise ValueError("this step computes no partition: partition_key is only set in a run of a partitioned asset")
        return self._partition_key

    @property
    def partition_keys(self) -> list[str]:
        """The keys of the partitions the step computes (one)."""
        return [self.partition_key]

    @property
    def has_partition_key_range(self) -> bool:
        return self.has_partition_key

    @property
    def partition_key_range(self) -> PartitionKeyRange:
        """The range of partitions the step computes: its one key, as both ends."""
        return PartitionKeyRange(self.partition_key, self.partition_key)

    @property
    def partitions_def(self) -> Any:
        """The step's ``PartitionsDefinition``, or None."""
        return self._partitions_def

    @property
    def partition_time_window(self) -> TimeWindow:
        """The window of the partition the step computes (start included, end excluded).

        Raises:
            ValueError: the step is not partitioned by time windows.
        """
        key = self.partition_key
        if not isinstance(self._partitions_def, TimeWindowPartitionsDefinition):
            raise ValueError(f"partition {key!r} has no time window: the step is not partitioned by time")
        return self._partitions_def.time_window_for_partition_key(key)

    def asset_partition_key_for_output(self, output_name: str = "result") -> str:
        """Dagster's name for :attr:`partition_key`."""
        return self.partition_key

    def asset_partitions_time_window_for_output(self, output_name: str = "result") -> TimeWindow:
        """Dagster's name for :attr:`partition_time_window`."""
        return self.partition_time_window
