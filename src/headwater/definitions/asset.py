"""``@asset``: declare a stored value as the function that computes it (the Dagster dialect).

The decorator registers; it does not wrap. It reads the function's signature, attaches a
:class:`~headwater.definitions.node.Node` to the function and returns the very same
function, so it stays callable with plain arguments in unit tests::

    @asset
    def raw() -> list[int]:
        return [1, 2, 3]

    @asset(group="stats")
    def total(raw: list[int]) -> int:      # parameter named like an asset: depends on it
        return sum(raw)

    assert total([1, 2]) == 3                # still the plain function

A first parameter named ``context`` receives the run context instead of an upstream value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, ParamSpec, TypeVar, overload

from headwater.definitions.node import (
    NODE_ATTRIBUTE,
    AssetKey,
    Node,
    NodeOptions,
    RetryPolicy,
    defined_at,
    node_of,
)

__all__ = ["AssetIn", "MaterializeResult", "Output", "asset", "key_of"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

CONTEXT_PARAMETER = "context"


@dataclass(frozen=True, slots=True)
class Output(Generic[T]):
    """A returned value with metadata to record beside it (Dagster's ``Output``).

    Numeric metadata values are also recorded as metrics of the run. ``output_name`` is
    accepted for Dagster code; an asset has the one output.
    """

    value: T
    output_name: str = "result"
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MaterializeResult:
    """Dagster's ``MaterializeResult``: metadata for an asset whose function stores nothing
    itself. Headwater stores ``None`` as its value and records the metadata."""

    metadata: Mapping[str, Any] = field(default_factory=dict)
    asset_key: str | AssetKey | None = None


@dataclass(frozen=True, slots=True)
class AssetIn:
    """Maps a parameter to an upstream asset whose key differs from the parameter's name."""

    key: str | AssetKey | None = None


def key_of(ref: object) -> str:
    """The string key of an asset reference: a string, an ``AssetKey`` or a decorated function."""
    if isinstance(ref, str):
        return ref
    if isinstance(ref, AssetKey):
        return ref.to_user_string()
    node = node_of(ref)
    if node is not None:
        return node.key
    key = getattr(ref, "key", None)  # anything else that names its key (a DAG task, say)
    if isinstance(key, str):
        return key
    raise TypeError(f"expected an asset, an AssetKey or a key string, got {ref!r}")


def _retry_policy(retries: int, retry_delay: float, backoff: float, policy: RetryPolicy | None) -> RetryPolicy:
    if policy is not None:
        return policy
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    # Growing delays get 10 % jitter, so that many failing steps do not retry in lockstep.
    return RetryPolicy(max_retries=retries, delay=retry_delay, backoff=backoff, jitter=0.1 if backoff > 1 else None)


def _build_node(fn: Callable[..., Any], **options: Any) -> Node:
    if not callable(fn):
        raise TypeError(f"@asset decorates a function, not {fn!r}")
    name = options.pop("name")
    key = options.pop("key")
    key_prefix = options.pop("key_prefix")
    ins: Mapping[str, AssetIn] = options.pop("ins") or {}
    deps: Iterable[object] = options.pop("deps") or ()

    if key is not None:
        asset_key = key_of(key)
    else:
        asset_key = name or fn.__name__
        if key_prefix:
            prefix = [key_prefix] if isinstance(key_prefix, str) else list(key_prefix)
            asset_key = "/".join([*prefix, asset_key])

    signature = inspect.signature(fn)
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    parameters = [p.name for p in signature.parameters.values() if p.kind not in variadic]
    takes_context = bool(parameters) and parameters[0] == CONTEXT_PARAMETER
    if takes_context:
        parameters = parameters[1:]
    takes_var_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    unknown_ins = set(ins) - set(parameters)
    if unknown_ins and not takes_var_keywords:
        raise TypeError(
            f"asset {asset_key!r}: ins names parameters it does not have: {sorted(unknown_ins)} "
            "(add them to the signature, or take **kwargs)"
        )
    # Extra ins go through **kwargs: a fan-in over many assets need not spell each parameter.
    parameters += [name for name in ins if name not in parameters]
    inputs = {
        name: key_of(ins[name].key) if name in ins and ins[name].key is not None else name
        for name in parameters
    }

    retry = _retry_policy(
        options.pop("retries"), options.pop("retry_delay"), options.pop("backoff"), options.pop("retry_policy")
    )
    group = options.pop("group") or options.pop("group_name") or "default"
    options.pop("group_name", None)
    tags = MappingProxyType({str(k): str(v) for k, v in (options.pop("tags") or {}).items()})
    metadata = MappingProxyType(dict(options.pop("metadata") or {}))
    node_options = NodeOptions(
        group=group,
        tags=tags,
        metadata=metadata,
        retry=retry,
        owners=tuple(options.pop("owners") or ()),
        kinds=tuple(options.pop("kinds") or ()),
        description=options.pop("description") or inspect.getdoc(fn),
        **options,
    )
    return Node(
        key=asset_key,
        fn=fn,
        inputs=MappingProxyType(inputs),
        deps=tuple(dict.fromkeys(key_of(d) for d in deps)),
        takes_context=takes_context,
        options=node_options,
        kind="asset",
        defined_at=defined_at(fn),
    )


#: Dagster options that change nothing here, accepted so Dagster files run unchanged:
#: every value goes through the artifact store (``io_manager_key``), nothing is scheduled by
#: conditions or policies (``automation_condition``, ...), an asset has one output.
_ACCEPTED_DAGSTER_OPTIONS = frozenset({
    "io_manager_key", "automation_condition", "auto_materialize_policy", "freshness_policy",
    "output_required", "dagster_type", "check_specs", "backfill_policy", "non_argument_deps",
})

#: Dagster options that would change behaviour Headwater does not have yet: refused clearly
_UNSUPPORTED = {
    "partitions_def": "partitioned assets are not implemented yet",
    "required_resource_keys": "resources are not implemented yet; build clients inside the asset",
    "resource_defs": "resources are not implemented yet; build clients inside the asset",
    "config_schema": "run config is not implemented yet; use module constants or environment variables",
}


def _translate_dagster_options(options: dict[str, Any]) -> dict[str, Any]:
    """Map Dagster's synonyms onto Headwater's options and drop the ones that change nothing."""
    translated = {k: v for k, v in options.items() if k not in _ACCEPTED_DAGSTER_OPTIONS}
    compute_kind = translated.pop("compute_kind", None)
    if compute_kind:
        translated["kinds"] = [*(translated.get("kinds") or ()), compute_kind]
    op_tags = translated.pop("op_tags", None)
    if op_tags:
        translated["tags"] = {**{str(k): str(v) for k, v in op_tags.items()}, **(translated.get("tags") or {})}
    non_argument_deps = options.get("non_argument_deps")
    if non_argument_deps:
        translated["deps"] = [*(translated.get("deps") or ()), *non_argument_deps]
    return translated


@overload
def asset(fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def asset(
    *,
    name: str | None = None,
    key: str | AssetKey | None = None,
    key_prefix: str | list[str] | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[object] | None = None,
    group: str | None = None,
    group_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    description: str | None = None,
    code_version: str | None = None,
    retries: int = 0,
    retry_delay: float = 0.0,
    backoff: float = 1.0,
    retry_policy: RetryPolicy | None = None,
    timeout: float | None = None,
    io: str | None = None,
    owners: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    pool: str | None = None,
    cache: bool = True,
    non_deterministic: bool = False,
    check_types: bool = True,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def asset(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Declare an asset: a value that ``fn`` computes and Headwater stores.

    Use bare (``@asset``) or with keyword options (``@asset(group="ml")``). Each parameter
    of ``fn`` is an input: it receives the value of the upstream asset of the same name
    (or the one ``ins`` maps it to). A first parameter named ``context`` receives the run
    context. The function is returned unchanged, with its node attached.

    Args:
        fn: the function computing the asset.
        name: the asset's key; defaults to the function's name.
        key: the full key (a string or ``AssetKey``); overrides ``name`` and ``key_prefix``.
        key_prefix: path segments put before the name (``"raw"`` gives ``raw/<name>``).
        ins: parameter name -> ``AssetIn(key)`` for inputs named differently from their asset.
        deps: upstream assets that must materialize first but pass no value.
        group: the asset's group (``group_name`` is accepted too, as in Dagster).
        tags: string labels, selectable with ``tag:key=value``.
        metadata: static metadata shown beside the asset.
        description: shown in listings; defaults to the docstring.
        code_version: overrides the version derived from the function's code.
        retries: how many times a failing run of this asset is retried.
        retry_delay: seconds before the first retry.
        backoff: factor the delay grows by on each retry (2.0 doubles it), with jitter.
        retry_policy: a ``RetryPolicy``, instead of the three options above.
        timeout: seconds a run of this asset may take before it is stopped and failed.
        io: the serializer to store the value with (``"parquet"``, ``"json"``, ``"cloudpickle"``, ...).
        owners: owners shown beside the asset.
        kinds: kinds shown beside the asset (``"pandas"``, ``"sklearn"``).
        pool: the concurrency pool the asset's steps count against.
        cache: ``False`` to run it every time, never reusing a stored value.
        non_deterministic: ``True`` when equal inputs may give different values; never skipped.
        check_types: ``False`` to skip checking values against the type hints.

    Dagster's ``compute_kind`` (a kind) and ``op_tags`` (more tags) are understood;
    ``io_manager_key``, ``automation_condition`` and other options that change nothing here
    are accepted; ``partitions_def``, ``required_resource_keys`` and ``config_schema`` are
    refused with a clear error, as they are not implemented yet.

    Returns:
        ``fn`` itself, or a decorator that returns it.
    """
    defaults: dict[str, Any] = {
        "name": None,
        "key": None,
        "key_prefix": None,
        "ins": None,
        "deps": None,
        "group": None,
        "group_name": None,
        "tags": None,
        "metadata": None,
        "description": None,
        "code_version": None,
        "retries": 0,
        "retry_delay": 0.0,
        "backoff": 1.0,
        "retry_policy": None,
        "timeout": None,
        "io": None,
        "owners": None,
        "kinds": None,
        "pool": None,
        "cache": True,
        "non_deterministic": False,
        "check_types": True,
    }
    unsupported = set(options) & set(_UNSUPPORTED)
    if unsupported:
        name = sorted(unsupported)[0]
        raise TypeError(f"@asset option {name!r} is not supported yet: {_UNSUPPORTED[name]}")
    options = _translate_dagster_options(options)
    unknown = set(options) - set(defaults)
    if unknown:
        raise TypeError(f"@asset got unknown options {sorted(unknown)}; it takes {sorted(defaults)}")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        node = _build_node(function, **{**defaults, **options})
        setattr(function, NODE_ATTRIBUTE, node)
        return function

    if fn is not None:
        return register(fn)
    return register
