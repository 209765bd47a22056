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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Literal, ParamSpec, TypeVar, overload

from headwater.definitions.partitions import PartitionsDefinition, check_partitions_def
from headwater.definitions.names import check_asset_key, check_name
from headwater.definitions.node import (
    NODE_ATTRIBUTE,
    AssetKey,
    Node,
    NodeOptions,
    RetryPolicy,
    defined_at,
    docstring_of,
    node_of,
)
from headwater.definitions.parameters import named_parameters, special_parameters
from headwater.definitions.unsupported import refuse_unsupported
from headwater.errors import DefinitionError

__all__ = ["AssetIn", "MaterializeResult", "Output", "asset", "key_of", "prefix_path"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

CONTEXT_PARAMETER = "context"


@dataclass(frozen=True, slots=True)
class Output(Generic[T]):
    """A value with metadata to record beside it (Dagster's ``Output``).

    Return it, or ``yield`` it from a generator asset. Numeric metadata values are also
    recorded as metrics of the run. An asset has one output, named ``result``.
    Dagster's ``data_version`` and ``tags`` are refused: Headwater versions data by content.
    """

    value: T
    output_name: str = "result"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    data_version: Any = None
    tags: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        refuse_unsupported("Output", data_version=self.data_version, tags=self.tags)


@dataclass(frozen=True, slots=True, kw_only=True)
class MaterializeResult:
    """Dagster's ``MaterializeResult``: the metadata (and optionally the value) of a materialization.

    Return it, or ``yield`` it from a generator asset. Without ``value``, the asset's function
    stores its data itself and Headwater stores ``None``. ``check_results`` are the results of
    the asset's ``check_specs`` (or give them by yielding ``AssetCheckResult``).
    """

    asset_key: str | AssetKey | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    check_results: tuple[Any, ...] = ()
    data_version: Any = None
    tags: Mapping[str, str] | None = None
    value: Any = None

    def __post_init__(self) -> None:
        refuse_unsupported("MaterializeResult", data_version=self.data_version, tags=self.tags)
        object.__setattr__(self, "check_results", tuple(self.check_results or ()))


@dataclass(frozen=True, slots=True, init=False)
class AssetIn:
    """Maps a parameter to an upstream asset whose key differs from the parameter's name.

    Args:
        key: the upstream asset's key (``asset_key=`` is accepted too, Dagster's older name).
        key_prefix: path segments put before the parameter's name to make the key, when
            ``key`` is not given (``AssetIn(key_prefix="raw")`` on ``orders`` is ``raw/orders``).

    Dagster's ``metadata``, ``input_manager_key``, ``partition_mapping`` and ``dagster_type``
    only matter to input managers and partitions, which Headwater lacks: they are refused.
    """

    key: str | AssetKey | None
    key_prefix: tuple[str, ...]

    def __init__(
        self,
        key: str | AssetKey | list[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        key_prefix: str | list[str] | None = None,
        input_manager_key: str | None = None,
        partition_mapping: object | None = None,
        dagster_type: object | None = None,
        *,
        asset_key: str | AssetKey | list[str] | None = None,
    ) -> None:
        refuse_unsupported(
            "AssetIn",
            metadata=metadata,
            input_manager_key=input_manager_key,
            partition_mapping=partition_mapping,
            dagster_type=dagster_type,
        )
        if key is not None and asset_key is not None:
            raise DefinitionError("AssetIn: give key or asset_key, not both")
        chosen = key if key is not None else asset_key
        if chosen is not None and key_prefix:
            raise DefinitionError("AssetIn: give key or key_prefix, not both")
        if isinstance(chosen, list | tuple):
            chosen = AssetKey(chosen)
        object.__setattr__(self, "key", chosen)
        object.__setattr__(self, "key_prefix", prefix_path(key_prefix))

    def key_for(self, parameter: str) -> str:
        """The key of the upstream asset this input reads, for parameter ``parameter``."""
        if self.key is not None:
            return key_of(self.key)
        return "/".join([*self.key_prefix, parameter])


def prefix_path(prefix: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if not prefix:
        return ()
    return (prefix,) if isinstance(prefix, str) else tuple(prefix)


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


def check_cache_options(cache: object, source_version: object, *, what: str) -> None:
    """Raise a clear ``TypeError`` for a ``cache=`` or ``source_version=`` that means nothing."""
    if cache not in (None, True, False, "code") or isinstance(cache, int) and not isinstance(cache, bool):
        raise TypeError(f"{what}: cache must be True, False, \"code\" or None (the default), not {cache!r}")
    if source_version is not None and not callable(source_version):
        raise TypeError(
            f"{what}: source_version must be a callable returning a string, such as files(\"data/*.csv\"), "
            f"not {source_version!r}"
        )


_NO_RETRIES = RetryPolicy(max_retries=0, delay=0.0, backoff=1.0, jitter=None)


def _retry_policy(retries: int, retry_delay: float, backoff: float, policy: RetryPolicy | None) -> RetryPolicy:
    if policy is not None:
        return policy
    if retries == 0 and retry_delay == 0.0 and backoff == 1.0:
        return _NO_RETRIES  # (frozen, so one shared instance serves every asset without retries)
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

    site = defined_at(fn)
    if key is not None:
        if name is not None or key_prefix:
            raise DefinitionError(f"@asset {fn.__name__!r}: give key, or name and key_prefix, not both")
        asset_key = key_of(AssetKey(key) if isinstance(key, list | tuple) else key)
        check_asset_key(asset_key, "asset key", where=site)
    else:
        asset_key = "/".join([*prefix_path(key_prefix), name if name is not None else fn.__name__])
        check_asset_key(asset_key, "asset key" if key_prefix else "asset name", where=site)

    parameters, takes_var_keywords = named_parameters(fn)
    takes_context = bool(parameters) and parameters[0] == CONTEXT_PARAMETER
    if takes_context:
        parameters = parameters[1:]
    config_parameter, resource_parameters = special_parameters(fn, parameters, f"asset {asset_key!r}")
    parameters = [p for p in parameters if p != config_parameter and p not in resource_parameters]
    unknown_ins = set(ins) - set(parameters)
    if unknown_ins and not takes_var_keywords:
        raise TypeError(
            f"asset {asset_key!r}: ins names parameters it does not have: {sorted(unknown_ins)} "
            "(add them to the signature, or take **kwargs)"
        )
    # Extra ins go through **kwargs: a fan-in over many assets need not spell each parameter.
    parameters += [name for name in ins if name not in parameters]
    inputs = {name: ins[name].key_for(name) if name in ins else name for name in parameters}

    check_specs = tuple(options.pop("check_specs") or ())
    for spec in check_specs:
        if getattr(spec, "asset_key", None) != asset_key:
            raise DefinitionError(
                f"asset {asset_key!r}: check_specs takes AssetCheckSpec(name, asset={asset_key!r}), not {spec!r}"
            )
    if len({spec.name for spec in check_specs}) != len(check_specs):
        raise DefinitionError(f"asset {asset_key!r}: two check_specs share a name")
    retry = _retry_policy(
        options.pop("retries"), options.pop("retry_delay"), options.pop("backoff"), options.pop("retry_policy")
    )
    group = check_name(options.pop("group") or options.pop("group_name") or "default", "group name", where=site)
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
        description=options.pop("description") or docstring_of(fn),
        check_specs=check_specs,
        config_parameter=config_parameter,
        resource_parameters=resource_parameters,
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
        defined_at=site,
    )


#: Dagster's @asset arguments whose meaning Headwater lacks: refused, never ignored
_REFUSED_DAGSTER_OPTIONS = (
    "config_schema", "required_resource_keys", "resource_defs", "hooks", "io_manager_def", "io_manager_key",
    "dagster_type", "automation_condition", "auto_materialize_policy", "freshness_policy",
    "legacy_freshness_policy", "backfill_policy",
)


#: the options that need translating or refusing
_DAGSTER_ONLY = frozenset({*_REFUSED_DAGSTER_OPTIONS, "compute_kind", "op_tags", "non_argument_deps"})


def _translate_dagster_options(options: dict[str, Any]) -> dict[str, Any]:
    """Map Dagster's synonyms onto Headwater's options; refuse the ones Headwater lacks."""
    if _DAGSTER_ONLY.isdisjoint(options):
        return options
    refuse_unsupported("@asset", **{name: options.get(name) for name in _REFUSED_DAGSTER_OPTIONS})
    translated = {k: v for k, v in options.items() if k not in _REFUSED_DAGSTER_OPTIONS}
    compute_kind = translated.pop("compute_kind", None)
    if compute_kind:
        if translated.get("kinds"):
            raise DefinitionError("@asset: give compute_kind or kinds, not both")
        translated["kinds"] = [compute_kind]
    op_tags = translated.pop("op_tags", None)
    if op_tags:
        translated["tags"] = {**{str(k): str(v) for k, v in op_tags.items()}, **(translated.get("tags") or {})}
    non_argument_deps = translated.pop("non_argument_deps", None)
    if non_argument_deps:
        translated["deps"] = [*(translated.get("deps") or ()), *non_argument_deps]
    return translated


#: every @asset option and its default
_DEFAULTS: Mapping[str, Any] = MappingProxyType({
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
    "cache": None,
    "source_version": None,
    "non_deterministic": False,
    "check_types": True,
    "output_required": True,
    "check_specs": None,
    "partitions_def": None,
})


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
    cache: bool | Literal["code"] | None = None,
    source_version: Callable[[], str] | None = None,
    non_deterministic: bool = False,
    check_types: bool = True,
    output_required: bool = True,
    check_specs: Iterable[Any] | None = None,
    compute_kind: str | None = None,
    op_tags: Mapping[str, Any] | None = None,
    partitions_def: PartitionsDefinition | None = None,
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
        cache: when a stored value is reused instead of running the asset. By default
            (None), while its code (with the helpers and constants it reaches), its
            environment (Python and the versions of the libraries its code reaches) and its
            inputs are unchanged; an asset with no upstream (a *source*) runs every time,
            and its downstream still skips when it returns the same data. ``True``: reuse
            it, sources too. ``"code"``: like ``True`` but library upgrades are ignored.
            ``False``: always run.
        source_version: for a source, a callable returning the version of what it reads,
            such as ``files("data/*.csv")`` (a hash of the files' contents): while that is
            unchanged, the source step is skipped too.
        non_deterministic: ``True`` when equal inputs may give different values; never skipped.
        check_types: ``False`` to skip checking values against the type hints.
        output_required: ``False`` lets a generator asset yield no ``Output``: then nothing
            is stored and its downstream assets are skipped in that run (Dagster's meaning;
            a function that ``return``s always produces its value).
        check_specs: ``AssetCheckSpec``s of checks the function reports on, by yielding
            ``AssetCheckResult`` (or returning ``MaterializeResult(check_results=...)``);
            a blocking one that fails stops the downstream assets.
        compute_kind: Dagster's older name for one kind.
        op_tags: more tags (Dagster's name for the tags of the op computing the asset).
        partitions_def: a ``PartitionsDefinition``: the asset is computed and stored one
            partition at a time (``materialize --partition KEY``, ``headwater backfill``).

    Dagster's other arguments (``io_manager_key``, ``automation_condition``,
    ``required_resource_keys``, ...) are refused with a ``NotSupportedError`` that says what
    to do instead: nothing is accepted and ignored.

    Returns:
        ``fn`` itself, or a decorator that returns it.
    """
    options = _translate_dagster_options(options)
    unknown = options.keys() - _DEFAULTS.keys()
    if unknown:
        raise TypeError(f"@asset got unknown options {sorted(unknown)}; it takes {sorted(_DEFAULTS)}")
    check_cache_options(options.get("cache"), options.get("source_version"), what="@asset")
    check_partitions_def(options.get("partitions_def"), "@asset")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        node = _build_node(function, **{**_DEFAULTS, **options})
        setattr(function, NODE_ATTRIBUTE, node)
        return function

    if fn is not None:
        return register(fn)
    return register
