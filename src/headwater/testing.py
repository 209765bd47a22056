"""Helpers for testing pipelines: a context to call an asset's function directly.

::

    def test_accuracy_is_logged():
        context = build_asset_context()
        model_accuracy(context, fitted, test_frame)
        assert context.metrics[0][0] == "accuracy"
"""

from __future__ import annotations

from headwater.definitions.partitions import PartitionsDefinition
from headwater.execution.context import StepContext

__all__ = ["build_asset_context"]


def build_asset_context(
    asset_key: str = "test_asset",
    run_id: str = "test-run",
    *,
    partition_key: str | None = None,
    partitions_def: PartitionsDefinition | None = None,
) -> StepContext:
    """A run context for calling an asset function by hand (Dagster's ``build_asset_context``).

    Its ``log`` works, and what the function records is kept on it: ``metrics`` (a list of
    ``(name, value, timestamp)``) and ``output_metadata``. With ``partition_key`` (and, for
    ``partition_time_window``, the ``partitions_def``) it is the context of that partition.

    Raises:
        PartitionKeyError: ``partition_key`` is not a key of ``partitions_def``.
    """
    if partition_key is not None and partitions_def is not None:
        partitions_def.check_partition_key(partition_key)
    return StepContext(run_id, asset_key, partition_key=partition_key, partitions_def=partitions_def)
