"""Headwater: an orchestrator for AI/ML pipelines, in the assets and the DAG dialects.

This module is the one public door for the assets dialect (``headwater.airflow`` is the
door for the Airflow dialect). Importing it is cheap: no pandas, scikit-learn, SQLAlchemy,
Typer or Dask is imported until a run needs it.
"""

from headwater.definitions.asset import AssetIn as AssetIn
from headwater.definitions.checks import AssetCheckKey as AssetCheckKey
from headwater.definitions.checks import AssetCheckResult as AssetCheckResult
from headwater.definitions.checks import AssetCheckSeverity as AssetCheckSeverity
from headwater.definitions.checks import AssetCheckSpec as AssetCheckSpec
from headwater.definitions.checks import asset_check as asset_check
from headwater.definitions.asset import MaterializeResult as MaterializeResult
from headwater.definitions.asset import Output as Output
from headwater.definitions.asset import asset as asset
from headwater.definitions.context import RunContext as RunContext
from headwater.definitions.selection import AssetSelection as AssetSelection
from headwater.definitions.context import RunContext as AssetExecutionContext
from headwater.definitions.jobs import AssetJob as AssetJob
from headwater.definitions.jobs import DefaultScheduleStatus as DefaultScheduleStatus
from headwater.definitions.jobs import Definitions as Definitions
from headwater.definitions.jobs import ScheduleDefinition as ScheduleDefinition
from headwater.definitions.jobs import define_asset_job as define_asset_job
from headwater.definitions.loading import load_assets_from_modules as load_assets_from_modules
from headwater.definitions.node import AssetKey as AssetKey
from headwater.definitions.node import Backoff as Backoff
from headwater.definitions.node import Jitter as Jitter
from headwater.definitions.node import RetryPolicy as RetryPolicy
from headwater.definitions.sources import files as files
from headwater.definitions.unsupported import unsupported_name_error as _unsupported_name_error
from headwater.errors import HeadwaterError as HeadwaterError
from headwater.errors import RunFailedError as RunFailedError
from headwater.execution.run import RunResult as RunResult
from headwater.execution.run import materialize as materialize
from headwater.history import load as load
from headwater.testing import build_asset_context as build_asset_context

__version__ = "0.1.0"

__all__ = [
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckSpec",
    "AssetExecutionContext",
    "AssetIn",
    "AssetJob",
    "AssetKey",
    "AssetSelection",
    "Backoff",
    "DefaultScheduleStatus",
    "Definitions",
    "HeadwaterError",
    "Jitter",
    "MaterializeResult",
    "Output",
    "RetryPolicy",
    "RunContext",
    "RunFailedError",
    "RunResult",
    "ScheduleDefinition",
    "__version__",
    "asset",
    "asset_check",
    "build_asset_context",
    "define_asset_job",
    "files",
    "load",
    "load_assets_from_modules",
    "materialize",
]


def __getattr__(name: str) -> object:
    """A Dagster name that Headwater lacks fails saying so, not with a bare ImportError."""
    raise _unsupported_name_error(__name__, name)
