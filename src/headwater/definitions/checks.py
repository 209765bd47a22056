"""Asset checks (Dagster's): a test of an asset's data that runs when the asset is materialized.

Two ways to declare one, as in Dagster::

    @asset_check(asset=orders, blocking=True)      # a check of its own, run after `orders`
    def no_negative_amounts(orders: list[int]) -> AssetCheckResult:
        return AssetCheckResult(passed=all(v >= 0 for v in orders))

    @asset(check_specs=[AssetCheckSpec("not_empty", asset="orders")])
    def orders():                                  # the asset checks itself as it runs
        data = [1, 2]
        yield Output(data)
        yield AssetCheckResult(check_name="not_empty", passed=bool(data))

An ``@asset_check`` function compiles to a node of kind ``"check"`` whose key is
``<asset key>:<check name>``; it reads the asset's value through its one parameter (any
name; none makes it a plain dependency). A run that includes an asset includes its checks.

``blocking=True``: when the check fails with severity ``ERROR`` (or raises), the assets
downstream of the checked asset do not run in that run, and the run fails. A failed
non-blocking check is recorded and the run goes on (and succeeds, if nothing else fails).
Results are stored with the run and shown by ``headwater assets list`` and ``runs show``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, overload

from headwater.definitions.asset import CONTEXT_PARAMETER, AssetIn, key_of
from headwater.definitions.names import check_name
from headwater.definitions.node import NODE_ATTRIBUTE, AssetKey, Node, NodeOptions, RetryPolicy, defined_at, docstring_of
from headwater.definitions.parameters import named_parameters
from headwater.definitions.unsupported import refuse_unsupported
from headwater.errors import DefinitionError

__all__ = [
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckSpec",
    "CHECK_SEPARATOR",
    "asset_check",
    "check_key",
    "with_blocking_edges",
]

#: a check node's key is ``<asset key><CHECK_SEPARATOR><check name>``
CHECK_SEPARATOR = ":"


class AssetCheckSeverity(StrEnum):
    """How bad a failed check is (Dagster's enum); only ``ERROR`` blocks downstream assets."""

    WARN = "WARN"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class AssetCheckKey:
    """The key of one check: the asset it checks and its name."""

    asset_key: AssetKey
    name: str

    def __init__(self, asset_key: str | AssetKey | list[str], name: str) -> None:
        key = asset_key if isinstance(asset_key, AssetKey) else AssetKey(
            asset_key.split("/") if isinstance(asset_key, str) else asset_key
        )
        object.__setattr__(self, "asset_key", key)
        object.__setattr__(self, "name", name)

    def to_user_string(self) -> str:
        return check_key(self.asset_key.to_user_string(), self.name)


def check_key(asset_key: str, name: str) -> str:
    """The node key of the check ``name`` of asset ``asset_key``."""
    return f"{asset_key}{CHECK_SEPARATOR}{name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetCheckResult:
    """The outcome of one asset check (Dagster's ``AssetCheckResult``).

    Args:
        passed: whether the data passed the check.
        asset_key: the checked asset; may be left out where only one asset is checked.
        check_name: the check; may be left out where only one check runs.
        metadata: recorded with the result (numbers, text, ``MetadataValue``).
        severity: ``ERROR`` (the default) or ``WARN``; only ``ERROR`` blocks.
        description: a sentence about the result.
    """

    passed: bool
    asset_key: str | AssetKey | None = None
    check_name: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.passed, bool):
            raise TypeError(f"AssetCheckResult(passed=...) takes a bool, not {self.passed!r}")
        object.__setattr__(self, "severity", AssetCheckSeverity(self.severity))
        object.__setattr__(self, "metadata", dict(self.metadata or {}))


@dataclass(frozen=True, slots=True, init=False)
class AssetCheckSpec:
    """A check that an asset's own function reports on (``@asset(check_specs=[...])``).

    Args:
        name: the check's name.
        asset: the asset it checks (its key, ``AssetKey`` or function).
        description: shown beside the result.
        blocking: a failed ``ERROR`` result stops the asset's downstream assets.
        metadata: shown beside the check.

    Dagster's ``additional_deps`` and ``automation_condition`` are refused.
    """

    name: str
    asset_key: str
    description: str | None
    blocking: bool
    metadata: Mapping[str, Any]

    def __init__(
        self,
        name: str,
        *,
        asset: object,
        description: str | None = None,
        additional_deps: Iterable[object] | None = None,
        blocking: bool = False,
        metadata: Mapping[str, Any] | None = None,
        automation_condition: object | None = None,
    ) -> None:
        refuse_unsupported(
            "AssetCheckSpec", additional_deps=additional_deps, automation_condition=automation_condition
        )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "asset_key", key_of(asset))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "blocking", bool(blocking))
        object.__setattr__(self, "metadata", MappingProxyType(dict(metadata or {})))

    @property
    def key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset_key, self.name)


@overload
def asset_check(fn: Callable[..., Any], /) -> Callable[..., Any]: ...


@overload
def asset_check(
    *,
    asset: object,
    name: str | None = None,
    description: str | None = None,
    blocking: bool = False,
    additional_ins: Mapping[str, AssetIn] | None = None,
    additional_deps: Iterable[object] | None = None,
    required_resource_keys: Iterable[str] | None = None,
    resource_defs: Mapping[str, object] | None = None,
    config_schema: object | None = None,
    compute_kind: str | None = None,
    op_tags: Mapping[str, Any] | None = None,
    retry_policy: RetryPolicy | None = None,
    metadata: Mapping[str, Any] | None = None,
    automation_condition: object | None = None,
    pool: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...


def asset_check(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Declare a check of an asset: a function returning an ``AssetCheckResult``.

    Args:
        asset: the asset checked (its function, key string or ``AssetKey``).
        name: the check's name; the function's name by default.
        description: shown beside the result; the docstring by default.
        blocking: when the check fails with severity ``ERROR`` (or raises), the assets
            downstream of ``asset`` do not run in that run, and the run fails.
        additional_ins: more inputs, parameter name -> ``AssetIn``.
        additional_deps: more upstream assets that pass no value.
        compute_kind: shown beside the check.
        op_tags: tags of the check's step.
        retry_policy: how a check that raises is retried.
        metadata: shown beside the check.
        pool: the concurrency pool the check's step counts against.

    Dagster's ``required_resource_keys``, ``resource_defs``, ``config_schema`` and
    ``automation_condition`` are refused with a ``NotSupportedError``.

    Returns:
        The function itself, with its check node attached.
    """
    if fn is not None:
        raise DefinitionError("@asset_check needs asset=: write @asset_check(asset=the_asset)")
    if "asset" not in options:
        raise DefinitionError("@asset_check needs asset=: the asset it checks")
    known = {
        "asset", "name", "description", "blocking", "additional_ins", "additional_deps", "required_resource_keys",
        "resource_defs", "config_schema", "compute_kind", "op_tags", "retry_policy", "metadata",
        "automation_condition", "pool",
    }
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"@asset_check got unknown arguments {sorted(unknown)}; it takes {sorted(known)}")
    refuse_unsupported(
        "@asset_check",
        **{k: options.get(k) for k in ("required_resource_keys", "resource_defs", "config_schema", "automation_condition")},
    )

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        setattr(function, NODE_ATTRIBUTE, _check_node(function, options))
        return function

    return register


def _check_node(fn: Callable[..., Any], options: Mapping[str, Any]) -> Node:
    asset_key = key_of(options["asset"])
    name = check_name(options.get("name") or fn.__name__, "asset check name", where=defined_at(fn))
    key = check_key(asset_key, name)
    extra: Mapping[str, AssetIn] = options.get("additional_ins") or {}
    parameters, _ = named_parameters(fn)
    takes_context = bool(parameters) and parameters[0] == CONTEXT_PARAMETER
    if takes_context:
        parameters = parameters[1:]
    asset_parameters = [p for p in parameters if p not in extra]
    if len(asset_parameters) > 1:
        raise DefinitionError(
            f"asset check {key!r}: parameters {asset_parameters} — only one may receive the asset's value; "
            "map the others with additional_ins"
        )
    missing = set(extra) - set(parameters)
    if missing:
        raise DefinitionError(f"asset check {key!r}: additional_ins names parameters it does not have: {sorted(missing)}")
    inputs = {p: asset_key for p in asset_parameters}
    inputs.update({p: ins.key_for(p) for p, ins in extra.items()})
    deps = [key_of(d) for d in options.get("additional_deps") or ()]
    if not asset_parameters:
        deps.insert(0, asset_key)
    op_tags = options.get("op_tags") or {}
    compute_kind = options.get("compute_kind")
    node_options = NodeOptions(
        tags=MappingProxyType({str(k): str(v) for k, v in op_tags.items()}),
        description=options.get("description") or docstring_of(fn),
        retry=options.get("retry_policy") or RetryPolicy(max_retries=0),
        metadata=MappingProxyType(dict(options.get("metadata") or {})),
        kinds=(compute_kind,) if compute_kind else (),
        pool=options.get("pool"),
        cache=False,  # a check runs whenever its asset is in the run
        check_specs=(_spec_for(name, asset_key, options),),
    )
    return Node(
        key=key,
        fn=fn,
        inputs=MappingProxyType(inputs),
        deps=tuple(dict.fromkeys(deps)),
        takes_context=takes_context,
        options=node_options,
        kind="check",
        defined_at=defined_at(fn),
    )


def _spec_for(name: str, asset_key: str, options: Mapping[str, Any]) -> AssetCheckSpec:
    return AssetCheckSpec(
        name, asset=asset_key, description=options.get("description"), blocking=bool(options.get("blocking")),
        metadata=options.get("metadata"),
    )


def with_blocking_edges(nodes: Iterable[Node]) -> list[Node]:
    """``nodes``, where each asset downstream of a blocking check's asset also waits for the check.

    A blocking ``@asset_check`` node becomes an extra (value-less) upstream of every node that
    reads or depends on the asset it checks, other than that asset's own checks; so when the
    check fails, they are skipped like the downstream of any failed step.
    """
    nodes = list(nodes)
    blocking: dict[str, list[str]] = {}
    for node in nodes:
        if node.kind == "check" and node.options.check_specs and node.options.check_specs[0].blocking:
            blocking.setdefault(node.options.check_specs[0].asset_key, []).append(node.key)
    if not blocking:
        return nodes
    result = []
    for node in nodes:
        own_asset = node.options.check_specs[0].asset_key if node.kind == "check" else None
        extra = [
            check for upstream in node.upstream if upstream != own_asset for check in blocking.get(upstream, ())
        ]
        result.append(replace(node, deps=tuple(dict.fromkeys([*node.deps, *extra]))) if extra else node)
    return result
