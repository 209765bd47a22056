"""Headwater: an orchestrator for AI/ML pipelines, in the assets and the DAG dialects.

This module is the one public door for the assets dialect (``headwater.airflow`` is the
door for the Airflow dialect). Importing it is cheap: no pandas, scikit-learn, SQLAlchemy,
Typer or Dask is imported until a run needs it.
"""

import typing

from headwater.definitions.unsupported import unsupported_name_error as _unsupported_name_error
from headwater.errors import HeadwaterError as HeadwaterError
from headwater.errors import RunFailedError as RunFailedError

if typing.TYPE_CHECKING:  # for type checkers and readers: these load lazily through __getattr__
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
    from headwater.definitions.failures import Failure as Failure
    from headwater.definitions.failures import RetryRequested as RetryRequested
    from headwater.definitions.selection import AssetSelection as AssetSelection
    from headwater.definitions.context import RunContext as AssetExecutionContext
    from headwater.definitions.jobs import AssetJob as AssetJob
    from headwater.definitions.jobs import DefaultScheduleStatus as DefaultScheduleStatus
    from headwater.definitions.jobs import Definitions as Definitions
    from headwater.definitions.jobs import ScheduleDefinition as ScheduleDefinition
    from headwater.definitions.jobs import define_asset_job as define_asset_job
    from headwater.definitions.loading import load_assets_from_modules as load_assets_from_modules
    from headwater.definitions.metadata import MetadataValue as MetadataValue
    from headwater.definitions.metadata import TableColumn as TableColumn
    from headwater.definitions.metadata import TableRecord as TableRecord
    from headwater.definitions.metadata import TableSchema as TableSchema
    from headwater.definitions.multi import AssetOut as AssetOut
    from headwater.definitions.multi import AssetSpec as AssetSpec
    from headwater.definitions.multi import multi_asset as multi_asset
    from headwater.definitions.node import AssetKey as AssetKey
    from headwater.definitions.node import Backoff as Backoff
    from headwater.definitions.node import Jitter as Jitter
    from headwater.definitions.node import RetryPolicy as RetryPolicy
    from headwater.definitions.partitioned_schedules import build_schedule_from_partitioned_job as build_schedule_from_partitioned_job
    from headwater.definitions.partitions import DailyPartitionsDefinition as DailyPartitionsDefinition
    from headwater.definitions.partitions import HourlyPartitionsDefinition as HourlyPartitionsDefinition
    from headwater.definitions.partitions import MonthlyPartitionsDefinition as MonthlyPartitionsDefinition
    from headwater.definitions.partitions import PartitionKeyRange as PartitionKeyRange
    from headwater.definitions.partitions import PartitionsDefinition as PartitionsDefinition
    from headwater.definitions.partitions import StaticPartitionsDefinition as StaticPartitionsDefinition
    from headwater.definitions.partitions import TimeWindow as TimeWindow
    from headwater.definitions.partitions import TimeWindowPartitionsDefinition as TimeWindowPartitionsDefinition
    from headwater.definitions.partitions import WeeklyPartitionsDefinition as WeeklyPartitionsDefinition
    from headwater.definitions.sensors import AssetEvent as AssetEvent
    from headwater.definitions.sensors import DefaultSensorStatus as DefaultSensorStatus
    from headwater.definitions.sensors import RunRequest as RunRequest
    from headwater.definitions.sensors import ScheduleEvaluationContext as ScheduleEvaluationContext
    from headwater.definitions.sensors import SensorDefinition as SensorDefinition
    from headwater.definitions.sensors import SensorEvaluationContext as SensorEvaluationContext
    from headwater.definitions.sensors import SkipReason as SkipReason
    from headwater.definitions.sensors import asset_sensor as asset_sensor
    from headwater.definitions.sensors import build_schedule_context as build_schedule_context
    from headwater.definitions.sensors import build_sensor_context as build_sensor_context
    from headwater.definitions.sensors import schedule as schedule
    from headwater.definitions.sensors import sensor as sensor
    from headwater.definitions.sources import files as files
    from headwater.execution.run import RunResult as RunResult
    from headwater.execution.run import materialize as materialize
    from headwater.history import load as load
    from headwater.scheduling.queue import submit as submit
    from headwater.testing import build_asset_context as build_asset_context

__version__ = "0.1.0"

__all__ = [
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckSpec",
    "AssetEvent",
    "AssetExecutionContext",
    "AssetIn",
    "AssetJob",
    "AssetKey",
    "AssetOut",
    "AssetSelection",
    "AssetSpec",
    "Backoff",
    "Config",
    "ConfigurableResource",
    "DailyPartitionsDefinition",
    "DefaultScheduleStatus",
    "DefaultSensorStatus",
    "Definitions",
    "EnvVar",
    "Failure",
    "HeadwaterError",
    "HourlyPartitionsDefinition",
    "Jitter",
    "MaterializeResult",
    "MetadataValue",
    "MonthlyPartitionsDefinition",
    "Output",
    "PartitionKeyRange",
    "PartitionsDefinition",
    "RetryPolicy",
    "RetryRequested",
    "RunConfig",
    "RunContext",
    "RunFailedError",
    "RunRequest",
    "RunResult",
    "ScheduleDefinition",
    "ScheduleEvaluationContext",
    "SensorDefinition",
    "SensorEvaluationContext",
    "SkipReason",
    "StaticPartitionsDefinition",
    "TableColumn",
    "TableRecord",
    "TableSchema",
    "TimeWindow",
    "TimeWindowPartitionsDefinition",
    "WeeklyPartitionsDefinition",
    "__version__",
    "asset",
    "asset_check",
    "asset_sensor",
    "build_asset_context",
    "build_schedule_context",
    "build_schedule_from_partitioned_job",
    "build_sensor_context",
    "define_asset_job",
    "files",
    "load",
    "load_assets_from_modules",
    "materialize",
    "multi_asset",
    "schedule",
    "sensor",
    "submit",
]


#: every public name but the errors, and the module it lives in: loaded on first use, so a
#: command that needs none of them (``headwater runs list``) does not import the definitions,
#: and defining assets does not pay for running them (the engine, pydantic)
_LAZY = {
    "AssetCheckKey": "headwater.definitions.checks",
    "AssetCheckResult": "headwater.definitions.checks",
    "AssetCheckSeverity": "headwater.definitions.checks",
    "AssetCheckSpec": "headwater.definitions.checks",
    "AssetEvent": "headwater.definitions.sensors",
    "AssetExecutionContext": "headwater.definitions.context",
    "AssetIn": "headwater.definitions.asset",
    "AssetJob": "headwater.definitions.jobs",
    "AssetKey": "headwater.definitions.node",
    "AssetOut": "headwater.definitions.multi",
    "AssetSelection": "headwater.definitions.selection",
    "AssetSpec": "headwater.definitions.multi",
    "Backoff": "headwater.definitions.node",
    "DailyPartitionsDefinition": "headwater.definitions.partitions",
    "DefaultScheduleStatus": "headwater.definitions.jobs",
    "DefaultSensorStatus": "headwater.definitions.sensors",
    "Definitions": "headwater.definitions.jobs",
    "Failure": "headwater.definitions.failures",
    "HourlyPartitionsDefinition": "headwater.definitions.partitions",
    "Jitter": "headwater.definitions.node",
    "MaterializeResult": "headwater.definitions.asset",
    "MetadataValue": "headwater.definitions.metadata",
    "MonthlyPartitionsDefinition": "headwater.definitions.partitions",
    "Output": "headwater.definitions.asset",
    "PartitionKeyRange": "headwater.definitions.partitions",
    "PartitionsDefinition": "headwater.definitions.partitions",
    "RetryPolicy": "headwater.definitions.node",
    "RetryRequested": "headwater.definitions.failures",
    "RunContext": "headwater.definitions.context",
    "RunRequest": "headwater.definitions.sensors",
    "ScheduleDefinition": "headwater.definitions.jobs",
    "ScheduleEvaluationContext": "headwater.definitions.sensors",
    "SensorDefinition": "headwater.definitions.sensors",
    "SensorEvaluationContext": "headwater.definitions.sensors",
    "SkipReason": "headwater.definitions.sensors",
    "StaticPartitionsDefinition": "headwater.definitions.partitions",
    "TableColumn": "headwater.definitions.metadata",
    "TableRecord": "headwater.definitions.metadata",
    "TableSchema": "headwater.definitions.metadata",
    "TimeWindow": "headwater.definitions.partitions",
    "TimeWindowPartitionsDefinition": "headwater.definitions.partitions",
    "WeeklyPartitionsDefinition": "headwater.definitions.partitions",
    "asset": "headwater.definitions.asset",
    "asset_check": "headwater.definitions.checks",
    "asset_sensor": "headwater.definitions.sensors",
    "build_schedule_context": "headwater.definitions.sensors",
    "build_schedule_from_partitioned_job": "headwater.definitions.partitioned_schedules",
    "build_sensor_context": "headwater.definitions.sensors",
    "define_asset_job": "headwater.definitions.jobs",
    "files": "headwater.definitions.sources",
    "load_assets_from_modules": "headwater.definitions.loading",
    "multi_asset": "headwater.definitions.multi",
    "schedule": "headwater.definitions.sensors",
    "sensor": "headwater.definitions.sensors",
    "RunResult": "headwater.execution.run",
    "build_asset_context": "headwater.testing",
    "load": "headwater.history",
    "materialize": "headwater.execution.run",
    "submit": "headwater.scheduling.queue",
    "Config": "headwater.definitions.config",
    "ConfigurableResource": "headwater.definitions.resources",
    "EnvVar": "headwater.definitions.resources",
    "RunConfig": "headwater.definitions.config",
}

#: lazy names bound to another name in their module
_RENAMED = {"AssetExecutionContext": "RunContext"}


def __getattr__(name: str) -> object:
    """Load a lazy public name; a Dagster name that Headwater lacks fails saying so."""
    module = _LAZY.get(name)
    if module is None:
        raise _unsupported_name_error(__name__, name)
    import importlib

    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
