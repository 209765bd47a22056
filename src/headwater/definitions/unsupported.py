"""What the Dagster dialect offers that Headwater does not (yet): refused clearly, never ignored.

A Dagster file that runs on Headwater must do what it would do on Dagster. So an argument
whose meaning Headwater does not implement is refused when the definition is made, with a
:class:`~headwater.errors.NotSupportedError` that names it and says what to do instead; and
a Dagster name that ``headwater`` does not export fails at ``from headwater import NAME``
with an :class:`~headwater.errors.UnsupportedNameError` saying so, not a bare ImportError.

One table of reasons serves every API (a parameter such as ``partitions_def`` means the
same thing wherever Dagster takes it)::

    refuse_unsupported("@asset", partitions_def=daily)   # NotSupportedError: ... partitions ...
    refuse_unsupported("@asset", partitions_def=None)    # nothing given: fine
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.errors import NotSupportedError, UnsupportedNameError

__all__ = ["UNSUPPORTED_NAMES", "refuse_unsupported", "unsupported_name_error"]

_PARTITIONS = (
    "not supported yet: Daily/Hourly/Weekly/Monthly/StaticPartitionsDefinition are; an asset reads "
    "the same partition of a partitioned upstream, or all of them as a dict when it is not partitioned"
)
_RESOURCES = "required_resource_keys and resource_defs are not supported; use resources as typed parameters"
_IO_MANAGERS = (
    "IO managers are not supported: Headwater stores every value in its artifact store "
    "(choose the format with io=, the place with HEADWATER_ARTIFACTS)"
)
_AUTOMATION = "declarative automation is not supported yet; run the asset's job on a ScheduleDefinition instead"
_HOOKS = "hooks are not supported yet; handle success or failure inside the asset"
_LEGACY_CONFIG = "config_schema is not supported; take a Config subclass as a parameter instead"
_DATA_VERSION = "a user-supplied data version is not supported: Headwater versions data by its content"

#: parameter name -> why it is refused, for every API that takes it
_REASONS: Mapping[str, str] = {
    "partitions_def": _PARTITIONS,
    "partition_mapping": _PARTITIONS,
    "backfill_policy": _PARTITIONS,
    "required_resource_keys": _RESOURCES,
    "resource_defs": _RESOURCES,
    "io_manager_def": _IO_MANAGERS,
    "io_manager_key": _IO_MANAGERS,
    "input_manager_key": _IO_MANAGERS,
    "automation_condition": _AUTOMATION,
    "auto_materialize_policy": _AUTOMATION,
    "freshness_policy": "freshness policies are not supported yet; add an @asset_check instead",
    "legacy_freshness_policy": "freshness policies are not supported yet; add an @asset_check instead",
    "hooks": _HOOKS,
    "config_schema": _LEGACY_CONFIG,
    "dagster_type": "Dagster types are not supported; annotate the function's return type instead",
    "data_version": _DATA_VERSION,
    "loggers": "custom loggers are not supported; context.log and logging are captured with each step",
    "executor_def": "Dagster executor definitions are not supported; pass executor='process' (or thread, dask)",
    "op_retry_policy": "a job-wide op_retry_policy is not supported yet; set retry_policy on each asset",
    "run_config_fn": "run_config_fn is not supported yet; the scheduler passes no run config",
    "tags_fn": "tags_fn is not supported yet; give tags=",
    "should_execute": "should_execute is not supported yet; use a @schedule that returns SkipReason",
    "environment_vars": "environment_vars is not supported; set them in the scheduler's environment",
    "execution_fn": "execution_fn is not supported; use the @schedule decorator",
    "target": "target= is not supported yet; give job= (a define_asset_job)",
    "component_tree": "components are not supported",
    "internal_asset_deps": "internal_asset_deps is not supported yet: each asset of a multi-asset depends on all its inputs",
    "run_config": "a schedule's run config is not supported yet; give the job config= (define_asset_job)",
    "partition_key": _PARTITIONS,
}

#: the values an argument may have and still mean Dagster's default (so it is not refused)
_DEFAULTS: Mapping[str, object] = {"io_manager_key": "io_manager"}


def refuse_unsupported(api: str, **given: Any) -> None:
    """Raise for the first argument of ``given`` set to a value whose meaning Headwater lacks.

    An argument left at ``None`` (or at Dagster's own default) is not refused.

    Raises:
        NotSupportedError: naming ``api``, the argument and what to do instead.
    """
    for name, value in given.items():
        if value is None:
            continue
        empty = isinstance(value, dict | list | tuple | set | frozenset) and not value
        if empty or (name in _DEFAULTS and value == _DEFAULTS[name]):
            continue
        reason = _REASONS.get(name, "it is not supported yet")
        raise NotSupportedError(f"{api}: argument {name!r} is not supported: {reason}")


_OPS = "ops and graphs are not supported; write each step as an @asset"
_SENSORS = "this sensor kind is not supported yet; use @sensor or @asset_sensor"

#: Dagster names that ``headwater`` does not provide -> what to do instead
UNSUPPORTED_NAMES: Mapping[str, str] = {
    **dict.fromkeys(
        ["op", "job", "graph", "In", "Out", "GraphIn", "GraphOut", "DynamicOut", "DynamicOutput",
         "OpExecutionContext", "OpDefinition", "GraphDefinition", "JobDefinition", "build_op_context",
         "graph_multi_asset", "graph_asset", "repository"],
        _OPS,
    ),
    **dict.fromkeys(
        ["MultiPartitionsDefinition", "DynamicPartitionsDefinition", "PartitionMapping",
         "TimeWindowPartitionMapping", "IdentityPartitionMapping", "AllPartitionMapping", "BackfillPolicy"],
        _PARTITIONS,
    ),
    **dict.fromkeys(
        ["IOManager", "ConfigurableIOManager", "io_manager", "IOManagerDefinition", "InputContext",
         "OutputContext", "FilesystemIOManager", "fs_io_manager", "mem_io_manager", "UPathIOManager"],
        _IO_MANAGERS,
    ),
    **dict.fromkeys(
        ["multi_asset_sensor", "run_status_sensor", "run_failure_sensor", "freshness_policy_sensor",
         "MultiAssetSensorEvaluationContext", "RunStatusSensorContext"],
        _SENSORS,
    ),
    **dict.fromkeys(["AutomationCondition", "AutoMaterializePolicy", "AutoMaterializeRule"], _AUTOMATION),
    "FreshnessPolicy": _REASONS["freshness_policy"],
    **dict.fromkeys(["HookContext", "success_hook", "failure_hook", "HookDefinition"], _HOOKS),
    **dict.fromkeys(
        ["Field", "Shape", "Permissive", "Selector", "Array", "Noneable", "Enum", "EnumValue", "StringSource",
         "IntSource", "BoolSource", "ConfigMapping"],
        "the legacy config schema is not supported; use a Config subclass (pydantic) instead",
    ),
    **dict.fromkeys(
        ["DagsterType", "TypeCheck", "Nothing", "make_python_type_usable_as_dagster_type", "PythonObjectDagsterType"],
        _REASONS["dagster_type"],
    ),
    "DataVersion": _DATA_VERSION,
    **dict.fromkeys(
        ["AssetMaterialization", "AssetObservation", "ExpectationResult", "observable_source_asset", "SourceAsset"],
        "observations and out-of-run materializations are not supported yet",
    ),
    **dict.fromkeys(
        ["AssetDep", "multi_asset_check", "AssetsDefinition"],
        "not supported yet; pass assets or keys to deps=, one @asset_check per check",
    ),
    **dict.fromkeys(
        ["ResourceDefinition", "resource", "InitResourceContext", "ResourceParam", "with_resources",
         "build_resources", "ConfigurableResourceFactory"],
        "only ConfigurableResource resources are supported; subclass it and type the asset's parameter with it",
    ),
    "EventLogEntry": "annotate an @asset_sensor's event with headwater.AssetEvent",
    "SensorResult": "return RunRequests (or a SkipReason) and call context.update_cursor instead",
    "TableMetadataValue": "use MetadataValue.table(records, schema)",
    "load_asset_checks_from_modules": "collect checks with load_assets_from_modules or list them in Definitions",
    **dict.fromkeys(
        ["in_process_executor", "multiprocess_executor", "ExecutorDefinition"],
        _REASONS["executor_def"],
    ),
    **dict.fromkeys(
        ["DagsterInstance", "materialize_to_memory", "ExecuteInProcessResult", "AssetValueLoader"],
        "use headwater.materialize and headwater.load instead",
    ),
    "get_dagster_logger": "use context.log or the logging module: both are captured with each step",
    "file_relative_path": "use pathlib.Path(__file__).parent / ... instead",
}


def unsupported_name_error(module: str, name: str) -> Exception:
    """The error for ``from <module> import <name>`` when ``module`` lacks ``name``.

    A Dagster name Headwater does not provide gets an :class:`UnsupportedNameError` that says
    so; any other name gets the usual ``AttributeError``.
    """
    hint = UNSUPPORTED_NAMES.get(name)
    if hint is None:
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    error = UnsupportedNameError(f"{name!r} (a Dagster name) is not supported by Headwater yet: {hint}")
    error.name = name
    return error
