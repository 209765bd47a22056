"""Helpers for testing pipelines: a context to call an asset's function directly.

::

    def test_accuracy_is_logged():
        context = build_asset_context()
        model_accuracy(context, fitted, test_frame)
        assert context.metrics[0][0] == "accuracy"
"""

from __future__ import annotations

from headwater.execution.context import StepContext

__all__ = ["build_asset_context"]


def build_asset_context(asset_key: str = "test_asset", run_id: str = "test-run") -> StepContext:
    """A run context for calling an asset function by hand (Dagster's ``build_asset_context``).

    Its ``log`` works, and what the function records is kept on it: ``metrics`` (a list of
    ``(name, value, timestamp)``) and ``output_metadata``.
    """
    return StepContext(run_id, asset_key)
