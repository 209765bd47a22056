"""The audit: nothing a Dagster file passes is accepted and ignored.

For each Dagster API that Headwater offers, the test lists the arguments Dagster's API
reference documents, and for each one it passes a value that means something. Either the
definition comes out different from the one made without it (the argument did something),
or Headwater refuses it with a ``NotSupportedError`` naming the argument. It also walks
Headwater's own signatures, so an argument added later without a meaning is caught too.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Any

import pytest

import headwater
from headwater import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetIn,
    AssetKey,
    AssetOut,
    AssetSpec,
    Definitions,
    MaterializeResult,
    Output,
    RetryPolicy,
    ScheduleDefinition,
    asset,
    asset_check,
    define_asset_job,
    materialize,
    multi_asset,
)
from headwater.definitions.multi import multi_asset_nodes
from headwater.definitions.node import node_of
from headwater.errors import NotSupportedError, PartitionKeyError, UnsupportedNameError


@asset
def up() -> int:
    return 1


def _fresh_fn() -> Callable[..., Any]:
    def x_asset(x: int) -> int:
        return x

    return x_asset


def _asset_view(**options: Any) -> str:
    node = node_of(asset(**options)(_fresh_fn()))
    assert node is not None
    return repr((node.key, dict(node.inputs), node.deps, node.options))


def _check_view(**options: Any) -> str:
    def check(up: int) -> AssetCheckResult:
        return AssetCheckResult(passed=True)

    def check_with_more_ins(up: int, y: int) -> AssetCheckResult:
        return AssetCheckResult(passed=True)

    fn = check_with_more_ins if "additional_ins" in options else check
    node = node_of(asset_check(**{"asset": "up", "name": "check", **options})(fn))
    assert node is not None
    return repr((node.key, dict(node.inputs), node.deps, node.options))


def _multi_view(**options: Any) -> str:
    def pair(context, x: int):  # noqa: ANN001, ANN202
        return 1, 2

    # outs= and specs= (its two required forms) are exercised by tests/unit/execution/test_multi_asset.py
    if "check_specs" in options:  # a check on one of its own assets
        options["check_specs"] = [AssetCheckSpec("positive", asset="a")]
    nodes = multi_asset_nodes(multi_asset(outs={"a": AssetOut(), "b": AssetOut()}, **options)(pair))
    return repr([(n.key, dict(n.inputs), n.deps, n.options) for n in nodes])


def _object_view(obj: object) -> str:
    if dataclasses.is_dataclass(obj):
        return repr({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    return repr(obj)


#: a value that means something, for each argument name any audited API takes
SAMPLES: dict[str, Any] = {
    # @asset
    "name": "renamed", "key_prefix": "pre", "ins": {"x": AssetIn("up")}, "deps": ["up"], "metadata": {"m": 1},
    "tags": {"t": "v"}, "description": "words", "config_schema": {"a": int}, "required_resource_keys": {"db"},
    "resource_defs": {"db": object()}, "hooks": {object()}, "io_manager_def": object(),
    "io_manager_key": "warehouse", "dagster_type": object(),
    "partitions_def": headwater.DailyPartitionsDefinition(start_date="2024-01-01"), "op_tags": {"o": "p"},
    "group_name": "grp", "output_required": False, "automation_condition": object(),
    "freshness_policy": object(), "backfill_policy": object(), "retry_policy": RetryPolicy(max_retries=2),
    "code_version": "v7", "key": "a/b", "check_specs": [AssetCheckSpec("positive", asset="x_asset")], "owners": ["team:ml"], "kinds": {"pandas"},
    "pool": "gpu", "non_argument_deps": {"up"}, "auto_materialize_policy": object(),
    "legacy_freshness_policy": object(), "compute_kind": "pandas",
    # Headwater's own @asset options
    "group": "grp", "retries": 2, "retry_delay": 1.5, "backoff": 2.0, "timeout": 9.0, "io": "json",
    "cache": False, "non_deterministic": True, "check_types": False, "source_version": lambda: "v1",
    # jobs, schedules, Definitions
    "selection": "up", "config": {"ops": {}}, "run_tags": {"r": "s"}, "executor_def": object(),
    "op_retry_policy": RetryPolicy(), "executor": "process", "cron_schedule": "@hourly", "job_name": "other",
    "run_config": {"ops": {}}, "run_config_fn": lambda ctx: {}, "tags_fn": lambda ctx: {},
    "should_execute": lambda ctx: True, "environment_vars": {"A": "1"}, "execution_timezone": "Europe/Paris",
    "execution_fn": lambda ctx: None, "job": define_asset_job("other_job"),
    "default_status": headwater.DefaultScheduleStatus.RUNNING, "target": define_asset_job("target_job"),
    "assets": [up], "schedules": [ScheduleDefinition(job=define_asset_job("j2"), cron_schedule="@daily")],
    "sensors": [object()], "jobs": [define_asset_job("j3")], "resources": {"db": object()},
    "loggers": {"console": object()}, "asset_checks": [object()], "component_tree": object(),
    # AssetIn, Output, MaterializeResult
    "input_manager_key": "loader", "partition_mapping": object(), "asset_key": "a/b",
    "output_name": "other", "data_version": object(), "value": 5, "check_results": [AssetCheckResult(passed=True)],
    # asset checks
    "can_subset": True, "internal_asset_deps": {"a": {"x"}}, "is_required": False, "skippable": True,
    "asset": "up", "blocking": True, "additional_ins": {"y": AssetIn("up")}, "additional_deps": ["up"],
    "passed": False, "check_name": "other_check", "severity": AssetCheckSeverity.WARN,
}

#: Dagster's documented arguments, per API (from its API reference)
DAGSTER_ARGUMENTS: dict[str, list[str]] = {
    "asset": [
        "name", "key_prefix", "ins", "deps", "metadata", "tags", "description", "config_schema",
        "required_resource_keys", "resource_defs", "hooks", "io_manager_def", "io_manager_key", "dagster_type",
        "partitions_def", "op_tags", "group_name", "output_required", "automation_condition", "freshness_policy",
        "backfill_policy", "retry_policy", "code_version", "key", "check_specs", "owners", "kinds", "pool",
        "non_argument_deps", "auto_materialize_policy", "legacy_freshness_policy", "compute_kind",
    ],
    "define_asset_job": [
        "selection", "config", "description", "tags", "run_tags", "metadata", "partitions_def", "executor_def",
        "hooks", "op_retry_policy",
    ],
    "ScheduleDefinition": [
        "name", "job_name", "run_config", "run_config_fn", "tags", "tags_fn", "metadata", "should_execute",
        "environment_vars", "execution_timezone", "execution_fn", "description", "job", "default_status",
        "required_resource_keys", "target", "owners",
    ],
    "Definitions": [
        "assets", "schedules", "sensors", "jobs", "resources", "executor", "loggers", "asset_checks", "metadata",
        "component_tree",
    ],
    "AssetIn": ["key", "metadata", "key_prefix", "input_manager_key", "partition_mapping", "dagster_type"],
    "Output": ["output_name", "metadata", "data_version", "tags"],
    "MaterializeResult": ["asset_key", "metadata", "check_results", "data_version", "tags", "value"],
    "asset_check": [
        "name", "description", "blocking", "additional_ins", "additional_deps", "required_resource_keys",
        "resource_defs", "config_schema", "compute_kind", "op_tags", "retry_policy", "metadata",
        "automation_condition", "pool",
    ],
    "AssetCheckSpec": ["description", "additional_deps", "blocking", "metadata", "automation_condition"],
    "AssetCheckResult": ["asset_key", "check_name", "metadata", "severity", "description"],
    "multi_asset": [
        "name", "ins", "deps", "description", "config_schema", "required_resource_keys", "internal_asset_deps",
        "partitions_def", "backfill_policy", "op_tags", "can_subset", "resource_defs", "group_name",
        "retry_policy", "code_version", "check_specs", "pool", "compute_kind",
    ],
    "AssetOut": [
        "key_prefix", "key", "dagster_type", "description", "is_required", "io_manager_key", "metadata",
        "group_name", "code_version", "automation_condition", "backfill_policy", "owners", "tags", "kinds",
    ],
    "AssetSpec": [
        "deps", "description", "metadata", "skippable", "group_name", "code_version", "automation_condition",
        "owners", "tags", "kinds", "partitions_def",
    ],
}

#: how to make each API's definition with extra arguments, and how to compare definitions
MAKERS: dict[str, Callable[..., str]] = {
    "asset": _asset_view,
    "define_asset_job": lambda **kw: _object_view(define_asset_job("job", **kw)),
    "ScheduleDefinition": lambda **kw: _object_view(
        ScheduleDefinition(**{"cron_schedule": "@daily", **({} if {"job_name", "target"} & set(kw) else {"job": define_asset_job("j")}), **kw})
    ),
    "Definitions": lambda **kw: _object_view(Definitions(**kw)),
    "AssetIn": lambda **kw: _object_view(AssetIn(**kw)),
    "Output": lambda **kw: _object_view(Output(1, **kw)),
    "MaterializeResult": lambda **kw: _object_view(MaterializeResult(**kw)),
    "asset_check": lambda **kw: _check_view(**kw),
    "AssetCheckSpec": lambda **kw: _object_view(AssetCheckSpec("c", asset="up", **kw)),
    "AssetCheckResult": lambda **kw: _object_view(AssetCheckResult(passed=True, **kw)),
    "multi_asset": lambda **kw: _multi_view(**kw),
    "AssetOut": lambda **kw: _object_view(AssetOut(**kw)),
    "AssetSpec": lambda **kw: _object_view(AssetSpec("s", **kw)),
}

#: each API's own signature, to find arguments that exist here but not in the list above
OWN_SIGNATURES: dict[str, Callable[..., Any]] = {
    "asset": typing.get_overloads(asset)[1],
    "define_asset_job": define_asset_job,
    "ScheduleDefinition": ScheduleDefinition.__init__,
    "Definitions": Definitions.__init__,
    "AssetIn": AssetIn.__init__,
    "Output": Output,
    "MaterializeResult": MaterializeResult,
    "asset_check": typing.get_overloads(asset_check)[1],
    "AssetCheckSpec": AssetCheckSpec.__init__,
    "AssetCheckResult": AssetCheckResult,
    "multi_asset": multi_asset,
    "AssetOut": AssetOut.__init__,
    "AssetSpec": AssetSpec.__init__,
}

#: Headwater's additions to Dagster's arguments (documented in each docstring)
HEADWATER_ARGUMENTS: dict[str, set[str]] = {
    "asset": {"group", "retries", "retry_delay", "backoff", "timeout", "io", "cache", "non_deterministic",
              "check_types", "source_version"},
    "define_asset_job": {"executor"},
    "AssetIn": {"asset_key"},
}

CASES = [(api, argument) for api, arguments in DAGSTER_ARGUMENTS.items() for argument in arguments] + [
    (api, argument) for api, arguments in HEADWATER_ARGUMENTS.items() for argument in sorted(arguments)
]


@pytest.mark.parametrize(("api", "argument"), CASES)
def test_every_argument_is_implemented_or_refused(api: str, argument: str) -> None:
    make = MAKERS[api]
    baseline = make()
    try:
        changed = make(**{argument: SAMPLES[argument]})
    except NotSupportedError as exc:
        assert repr(argument) in str(exc), f"{api}: the refusal of {argument!r} does not name it: {exc}"
        return
    assert changed != baseline, f"{api} accepted {argument!r} and did nothing with it"


@pytest.mark.parametrize("api", sorted(OWN_SIGNATURES))
def test_no_argument_escapes_the_audit(api: str) -> None:
    """Every argument of Headwater's signature is one of Dagster's or a documented addition."""
    skip = {"self", "fn", "value", "name" if api in ("define_asset_job", "AssetCheckSpec") else "", "cron_schedule",
            "key" if api == "AssetSpec" else "",
            "asset" if api in ("asset_check", "AssetCheckSpec") else "", "passed", "outs", "specs"}
    parameters = set(inspect.signature(OWN_SIGNATURES[api]).parameters) - skip
    known = set(DAGSTER_ARGUMENTS[api]) | HEADWATER_ARGUMENTS.get(api, set())
    assert parameters - known == set()


def test_materialize_refuses_a_partition_of_nothing_partitioned() -> None:
    with pytest.raises(PartitionKeyError, match="none of the selected assets is partitioned"):
        materialize([up], partition_key="2024-01-01")


def test_multi_part_asset_key_from_a_list() -> None:
    assert _asset_view(key=["a", "b"]).startswith("('a/b'")
    assert AssetKey(["a", "b"]).to_user_string() == "a/b"


def test_asset_in_key_prefix_and_asset_key() -> None:
    @asset(ins={"x": AssetIn(key_prefix=["raw", "v1"])})
    def prefixed(x: int) -> int:
        return x

    @asset(ins={"x": AssetIn(asset_key=AssetKey(["raw", "x"]))})
    def by_old_name(x: int) -> int:
        return x

    assert dict(node_of(prefixed).inputs) == {"x": "raw/v1/x"}
    assert dict(node_of(by_old_name).inputs) == {"x": "raw/x"}


def test_unknown_dagster_name_fails_at_import_saying_so() -> None:
    with pytest.raises(UnsupportedNameError, match="'graph_asset' .*not supported by Headwater yet"):
        from headwater import graph_asset  # noqa: F401
    with pytest.raises(ImportError, match="MultiPartitionsDefinition"):
        from headwater import MultiPartitionsDefinition  # noqa: F401
    with pytest.raises(AttributeError):
        headwater.no_such_name_anywhere  # noqa: B018


def test_unsupported_names_are_not_provided() -> None:
    """The list of names Headwater lacks never shadows one it provides."""
    from headwater.definitions.unsupported import UNSUPPORTED_NAMES

    assert set(UNSUPPORTED_NAMES) & set(headwater.__all__) == set()
