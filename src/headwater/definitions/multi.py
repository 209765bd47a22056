"""``@multi_asset``: one function that computes several assets (Dagster's, with ``AssetOut`` or ``AssetSpec``).

It compiles to plain nodes, so the engine needs nothing new: one *op* node (kind
``"multi"``, keyed by the op's name) runs the function and stores what it produced as one
value, ``{output name: (value, metadata)}``; and one asset node per output reads its entry
from that value and stores it as the asset, with its metadata::

    @multi_asset(outs={"train": AssetOut(), "test": AssetOut()})
    def split(raw: list[int]):
        return raw[:8], raw[8:]            # a tuple in the order of outs; or yield Output(v, output_name=...)

        split (op) ──> train ──> ...
                   └─> test  ──> ...

An output that is not required (``AssetOut(is_required=False)``, ``AssetSpec(skippable=True)``)
may be left out: its asset then produces no output and its downstream is skipped.

Selecting some of the assets selects the op. Without ``can_subset=True`` a selection must
take all of them or none (as Dagster refuses to split such a multi-asset); with it, the
function reads ``context.selected_output_names`` and produces only those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from headwater.definitions.asset import CONTEXT_PARAMETER, AssetIn, Output, prefix_path, key_of
from headwater.definitions.checks import AssetCheckSpec
from headwater.definitions.node import NODE_ATTRIBUTE, AssetKey, Node, NodeOptions, RetryPolicy, defined_at, docstring_of
from headwater.definitions.parameters import named_parameters
from headwater.definitions.unsupported import refuse_unsupported
from headwater.errors import DefinitionError

__all__ = ["AssetOut", "AssetSpec", "MultiOutput", "multi_asset", "multi_asset_nodes"]

#: the parameter through which an output's asset node receives the op's value
_OP_VALUE = "op_outputs"


@dataclass(frozen=True, slots=True)
class MultiOutput:
    """One output of a multi-asset: its name, the asset it becomes, whether it is required."""

    name: str
    asset_key: str
    required: bool = True


@dataclass(frozen=True, slots=True, init=False)
class AssetOut:
    """One asset of a ``@multi_asset(outs=...)`` (Dagster's ``AssetOut``).

    Args:
        key_prefix: put before the output's name to make the key (when ``key`` is not given).
        key: the asset's key; the output's name by default.
        description, metadata, group_name, code_version, owners, tags, kinds: as on ``@asset``.
        is_required: ``False`` lets the function leave the output out.

    ``dagster_type``, ``io_manager_key`` (other than ``"io_manager"``), ``automation_condition``
    and ``backfill_policy`` are refused with a ``NotSupportedError``.
    """

    key_prefix: tuple[str, ...]
    key: str | None
    description: str | None
    is_required: bool
    metadata: Mapping[str, Any]
    group_name: str | None
    code_version: str | None
    owners: tuple[str, ...]
    tags: Mapping[str, str]
    kinds: tuple[str, ...]

    def __init__(
        self,
        key_prefix: str | list[str] | None = None,
        key: str | AssetKey | list[str] | None = None,
        dagster_type: object | None = None,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        group_name: str | None = None,
        code_version: str | None = None,
        automation_condition: object | None = None,
        backfill_policy: object | None = None,
        owners: Iterable[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> None:
        refuse_unsupported(
            "AssetOut", dagster_type=dagster_type, io_manager_key=io_manager_key,
            automation_condition=automation_condition, backfill_policy=backfill_policy,
        )
        set_field = object.__setattr__
        set_field(self, "key_prefix", prefix_path(key_prefix))
        set_field(self, "key", None if key is None else key_of(AssetKey(key) if isinstance(key, list) else key))
        set_field(self, "description", description)
        set_field(self, "is_required", bool(is_required))
        set_field(self, "metadata", MappingProxyType(dict(metadata or {})))
        set_field(self, "group_name", group_name)
        set_field(self, "code_version", code_version)
        set_field(self, "owners", tuple(owners or ()))
        set_field(self, "tags", MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()}))
        set_field(self, "kinds", tuple(kinds or ()))


@dataclass(frozen=True, slots=True, init=False)
class AssetSpec:
    """An asset described without its function (Dagster's ``AssetSpec``), for ``@multi_asset(specs=...)``.

    Args:
        key: the asset's key.
        deps: upstream assets the multi-asset depends on for this one.
        description, metadata, group_name, code_version, owners, tags, kinds: as on ``@asset``.
        skippable: ``True`` lets the function leave the asset out.

    ``automation_condition`` and ``partitions_def`` are refused with a ``NotSupportedError``.
    """

    key: str
    deps: tuple[str, ...]
    description: str | None
    metadata: Mapping[str, Any]
    skippable: bool
    group_name: str | None
    code_version: str | None
    owners: tuple[str, ...]
    tags: Mapping[str, str]
    kinds: tuple[str, ...]

    def __init__(
        self,
        key: str | AssetKey | list[str],
        *,
        deps: Iterable[object] | None = None,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        skippable: bool = False,
        group_name: str | None = None,
        code_version: str | None = None,
        automation_condition: object | None = None,
        owners: Iterable[str] | None = None,
        tags: Mapping[str, str] | None = None,
        kinds: Iterable[str] | None = None,
        partitions_def: object | None = None,
    ) -> None:
        refuse_unsupported("AssetSpec", automation_condition=automation_condition, partitions_def=partitions_def)
        set_field = object.__setattr__
        set_field(self, "key", key_of(AssetKey(key) if isinstance(key, list) else key))
        set_field(self, "deps", tuple(key_of(d) for d in deps or ()))
        set_field(self, "description", description)
        set_field(self, "metadata", MappingProxyType(dict(metadata or {})))
        set_field(self, "skippable", bool(skippable))
        set_field(self, "group_name", group_name)
        set_field(self, "code_version", code_version)
        set_field(self, "owners", tuple(owners or ()))
        set_field(self, "tags", MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()}))
        set_field(self, "kinds", tuple(kinds or ()))


@dataclass(frozen=True, slots=True)
class _Multi:
    """What ``@multi_asset`` attaches to its function: the op node and one node per asset."""

    nodes: tuple[Node, ...] = field(default_factory=tuple)


def multi_asset_nodes(obj: object) -> tuple[Node, ...]:
    """The nodes a ``@multi_asset`` function compiles to (none for anything else)."""
    multi = getattr(obj, NODE_ATTRIBUTE, None)
    return multi.nodes if isinstance(multi, _Multi) else ()


def multi_asset(
    *,
    outs: Mapping[str, AssetOut] | None = None,
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Iterable[object] | None = None,
    description: str | None = None,
    config_schema: object | None = None,
    required_resource_keys: object | None = None,
    internal_asset_deps: object | None = None,
    partitions_def: object | None = None,
    backfill_policy: object | None = None,
    op_tags: Mapping[str, Any] | None = None,
    can_subset: bool = False,
    resource_defs: object | None = None,
    group_name: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    specs: Iterable[AssetSpec] | None = None,
    check_specs: Iterable[AssetCheckSpec] | None = None,
    pool: str | None = None,
    compute_kind: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare several assets computed by one function (Dagster's ``@multi_asset``).

    Args:
        outs: output name -> ``AssetOut``; the function returns a tuple in this order, or
            yields ``Output(value, output_name=...)``.
        specs: ``AssetSpec``s instead of ``outs``; the function yields (or returns)
            ``MaterializeResult(asset_key=..., value=...)`` per asset.
        name: the op's name (its step key); the function's name by default.
        ins, deps, description, op_tags, group_name, retry_policy, code_version, pool,
            compute_kind: as on ``@asset``.
        can_subset: the function can compute any subset of its assets; it reads
            ``context.selected_output_names``.
        check_specs: ``AssetCheckSpec``s of checks on its assets that the function reports on,
            by yielding (or returning with its outputs) ``AssetCheckResult(asset_key=...,
            check_name=...)``, as in Dagster; a blocking check that fails fails the step, so
            none of its assets is recorded and what is downstream does not run.

    ``config_schema``, ``required_resource_keys``, ``resource_defs``, ``internal_asset_deps``,
    ``partitions_def`` and ``backfill_policy`` are refused with a ``NotSupportedError``.
    """
    refuse_unsupported(
        "@multi_asset", config_schema=config_schema, required_resource_keys=required_resource_keys,
        internal_asset_deps=internal_asset_deps, partitions_def=partitions_def, backfill_policy=backfill_policy,
        resource_defs=resource_defs,
    )
    if bool(outs) == bool(specs):
        raise DefinitionError("@multi_asset takes outs= or specs= (one of them, not empty)")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        op_key = name or fn.__name__
        outputs, asset_options = _outputs(outs, specs, group_name)
        checks = _check_specs(op_key, check_specs, outputs)
        op_node = _op_node(fn, op_key, outputs, ins or {}, [*(deps or ()), *(d for s in specs or () for d in s.deps)],
                           description=description, op_tags=op_tags or {}, retry_policy=retry_policy,
                           code_version=code_version, pool=pool, can_subset=can_subset, group=group_name,
                           check_specs=checks)
        kind = (compute_kind,) if compute_kind else ()
        nodes = [op_node] + [
            _asset_node(fn, op_key, output, asset_options[output.name], kind) for output in outputs
        ]
        setattr(fn, NODE_ATTRIBUTE, _Multi(tuple(nodes)))
        return fn

    return register


def _check_specs(
    op_key: str, check_specs: Iterable[AssetCheckSpec] | None, outputs: list[MultiOutput]
) -> tuple[AssetCheckSpec, ...]:
    """The ``AssetCheckSpec``s of a multi-asset, each on one of its assets, names unique.

    Raises:
        DefinitionError: a spec is not an ``AssetCheckSpec``, is on another asset, or repeats a name.
    """
    specs = tuple(check_specs or ())
    keys = sorted(output.asset_key for output in outputs)
    for spec in specs:
        if not isinstance(spec, AssetCheckSpec):
            raise DefinitionError(f"@multi_asset {op_key!r}: check_specs takes AssetCheckSpec(...)s, not {spec!r}")
        if spec.asset_key not in keys:
            raise DefinitionError(
                f"@multi_asset {op_key!r}: check {spec.name!r} is on {spec.asset_key!r}, which is not one of its "
                f"assets {keys}"
            )
    if len({spec.name for spec in specs}) != len(specs):
        raise DefinitionError(f"@multi_asset {op_key!r}: two check_specs share a name")
    return specs


def _outputs(
    outs: Mapping[str, AssetOut] | None, specs: Iterable[AssetSpec] | None, group: str | None
) -> tuple[list[MultiOutput], dict[str, NodeOptions]]:
    outputs: list[MultiOutput] = []
    options: dict[str, NodeOptions] = {}
    described: list[tuple[str, str, bool, Any]] = []
    for output_name, out in (outs or {}).items():
        key = out.key or "/".join([*out.key_prefix, output_name])
        described.append((output_name, key, out.is_required, out))
    for spec in specs or ():
        described.append((spec.key.replace("/", "__"), spec.key, not spec.skippable, spec))
    for output_name, key, required, declared in described:
        outputs.append(MultiOutput(output_name, key, required))
        options[output_name] = NodeOptions(
            group=declared.group_name or group or "default",
            tags=declared.tags,
            description=declared.description,
            code_version=declared.code_version,
            metadata=declared.metadata,
            owners=declared.owners,
            kinds=declared.kinds,
            output_required=False,  # an output the function left out produces nothing here
            check_types=False,
        )
    if len({o.asset_key for o in outputs}) != len(outputs):
        raise DefinitionError(f"@multi_asset: two outputs have the same key ({[o.asset_key for o in outputs]})")
    return outputs, options


def _op_node(
    fn: Callable[..., Any], op_key: str, outputs: list[MultiOutput], ins: Mapping[str, AssetIn],
    deps: Iterable[object], *, description: str | None, op_tags: Mapping[str, Any], retry_policy: RetryPolicy | None,
    code_version: str | None, pool: str | None, can_subset: bool, group: str | None, check_specs: tuple[AssetCheckSpec, ...] = (),
) -> Node:
    parameters, _ = named_parameters(fn)
    takes_context = bool(parameters) and parameters[0] == CONTEXT_PARAMETER
    if takes_context:
        parameters = parameters[1:]
    if can_subset and not takes_context:
        raise DefinitionError(f"@multi_asset {op_key!r}: can_subset=True needs a context parameter to read "
                              "context.selected_output_names")
    return Node(
        key=op_key,
        fn=fn,
        inputs=MappingProxyType({p: ins[p].key_for(p) if p in ins else p for p in parameters}),
        deps=tuple(dict.fromkeys(key_of(d) for d in deps)),
        takes_context=takes_context,
        options=NodeOptions(
            group=group or "default",
            tags=MappingProxyType({str(k): str(v) for k, v in op_tags.items()}),
            description=description or docstring_of(fn),
            code_version=code_version,
            retry=retry_policy or RetryPolicy(max_retries=0),
            pool=pool,
            check_types=False,
            multi_outputs=tuple(outputs),
            can_subset=can_subset,
            check_specs=check_specs,
        ),
        kind="multi",
        defined_at=defined_at(fn),
    )


def _asset_node(fn: Callable[..., Any], op_key: str, output: MultiOutput, options: NodeOptions,
                kinds: tuple[str, ...]) -> Node:
    output_name = output.name

    def pick(op_outputs: Mapping[str, tuple[Any, Mapping[str, Any]]]) -> Iterator[Output[Any]]:
        if output_name in op_outputs:
            value, metadata = op_outputs[output_name]
            yield Output(value, metadata=dict(metadata))

    if kinds and not options.kinds:
        options = NodeOptions(**{**_fields(options), "kinds": kinds})
    return Node(
        key=output.asset_key,
        fn=pick,
        inputs=MappingProxyType({_OP_VALUE: op_key}),
        options=options,
        source_fn=pick,
        kind="asset",
        defined_at=defined_at(fn),
    )


def _fields(options: NodeOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in NodeOptions.__dataclass_fields__}
