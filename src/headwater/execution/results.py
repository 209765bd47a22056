"""What a step's function gave back, made plain: its value, metadata, and whether it produced one.

A function may return a value, an ``Output`` or a ``MaterializeResult``, or be a generator
that yields them (Dagster's generator assets). The step runner drains a generator inside the
user-code boundary and hands the items here::

    @asset(output_required=False)
    def maybe():
        if ready():
            yield Output(5, metadata={"rows": 5})

    unwrap(node, [Output(5, ...)], generator=True)   # Produced(value=5, produced=True, ...)
    unwrap(node, [], generator=True)                 # Produced(produced=False): nothing stored

A generator may also yield ``AssetCheckResult``s for the checks the asset declares
(``check_specs=``); an ``@asset_check`` node returns (or yields) exactly one.

A generator that yields no output is an error unless the node sets ``output_required=False``
(then nothing is stored and the run loop skips its downstream). A function that *returns*
always produces its value, even ``None``, as in Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from headwater.definitions.asset import MaterializeResult, Output, key_of
from headwater.definitions.checks import AssetCheckResult, AssetCheckSeverity
from headwater.definitions.metadata import normalize_metadata
from headwater.definitions.node import Node
from headwater.errors import UserCodeError

__all__ = ["Produced", "unwrap"]

#: what a step may return besides a plain value
_WRAPPED = (Output, MaterializeResult, AssetCheckResult)
#: the name of an asset's one output (Dagster's)
DEFAULT_OUTPUT = "result"


@dataclass(slots=True)
class Produced:
    """The plain result of one step.

    Attributes:
        produced: whether there is a value to store (False only for ``output_required=False``).
        value: the value to store.
        metadata: metadata to record with it.
        checks: the asset check results it reported.
        blocked: set when a blocking check failed.
        wrapper: the ``Output`` or ``MaterializeResult`` the value came in, if any.
    """

    produced: bool
    value: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    wrapper: Output[Any] | MaterializeResult | None = None
    #: check results, with their asset key and check name filled in
    checks: list[AssetCheckResult] = field(default_factory=list)
    #: why downstream must not run: a blocking check failed
    blocked: str | None = None


def unwrap(node: Node, result: Any, *, generator: bool, selected: frozenset[str] | None = None) -> Produced:
    """Turn what ``node``'s function returned (or the items it yielded) into a :class:`Produced`.

    Raises:
        UserCodeError: a generator yielded something other than an output or a check
            result, more than one output, or none while its output is required; a check
            result names no declared check, or a declared check got no result.
    """
    if node.kind == "multi":
        return _multi_produced(node, result, generator, selected)
    if not generator and node.kind != "check" and not node.options.check_specs and not isinstance(result, _WRAPPED):
        return Produced(True, result)  # the common case: a plain value, no checks to resolve
    items = list(result) if generator else [result]
    checks = [item for item in items if isinstance(item, AssetCheckResult)]
    outputs = [item for item in items if isinstance(item, Output | MaterializeResult)]
    if node.kind == "check":
        if len(checks) != 1 or outputs or len(items) != 1:
            raise UserCodeError(
                f"asset check {node.key!r} gave {_describe(items, generator)}; an asset check returns one "
                "AssetCheckResult",
                step_key=node.key,
            )
        produced = Produced(produced=False)
    else:
        if generator:
            others = [item for item in items if not isinstance(item, Output | MaterializeResult | AssetCheckResult)]
            if others:
                raise UserCodeError(
                    f"{node.kind} {node.key!r} yielded {type(others[0]).__name__}; a generator asset yields "
                    "Output(...), MaterializeResult(...) or AssetCheckResult(...)",
                    step_key=node.key,
                )
        produced = _one_output(node, outputs if generator else [result])
        for output in outputs:
            if isinstance(output, MaterializeResult):
                checks.extend(output.check_results)
    produced.checks = _resolve_checks(node, checks, expect_all=produced.produced or node.kind == "check")
    produced.blocked = _blocking_failure(node, produced.checks)
    return produced


def _multi_produced(node: Node, result: Any, generator: bool, selected: frozenset[str] | None) -> Produced:
    """A multi-asset's outputs, and the results of the checks it declares (``check_specs``)."""
    items = list(result) if generator else list(result) if isinstance(result, tuple) else [result]
    checks = [item for item in items if isinstance(item, AssetCheckResult)]
    if checks:  # the rest are its outputs
        rest = [item for item in items if not isinstance(item, AssetCheckResult)]
        result = rest if generator else tuple(rest) if len(rest) != 1 else rest[0]
    checks += [check for item in items if isinstance(item, MaterializeResult) for check in item.check_results]
    produced = Produced(True, _multi_outputs(node, result, generator, selected))
    produced.checks = _resolve_checks(node, checks, expect_all=selected is None)
    produced.blocked = _blocking_failure(node, produced.checks)
    return produced


def _multi_outputs(
    node: Node, result: Any, generator: bool, selected: frozenset[str] | None
) -> dict[str, tuple[Any, dict[str, Any]]]:
    """A multi-asset's outputs: output name -> (value, metadata), checked against its outs.

    A function returns a tuple of values in the order of its outs (or one value for one out),
    or returns or yields ``Output(value, output_name=...)`` / ``MaterializeResult(asset_key=...)``.
    """
    outputs = node.options.multi_outputs
    wrapped = (Output, MaterializeResult)
    if generator:
        items = list(result)
    elif isinstance(result, tuple) and result and all(isinstance(item, wrapped) for item in result):
        items = list(result)
    elif isinstance(result, wrapped):
        items = [result]
    elif len(outputs) == 1:
        items = [Output(result, output_name=outputs[0].name)]
    elif isinstance(result, tuple) and len(result) == len(outputs):
        items = [Output(value, output_name=output.name) for output, value in zip(outputs, result, strict=True)]
    else:
        raise UserCodeError(
            f"multi-asset {node.key!r} returned {type(result).__name__}; return a tuple of {len(outputs)} values "
            f"in the order of its outs ({', '.join(o.name for o in outputs)}), or yield Output(value, output_name=...)",
            step_key=node.key,
        )
    by_name = {output.name: output for output in outputs}
    by_key = {output.asset_key: output for output in outputs}
    produced: dict[str, tuple[Any, dict[str, Any]]] = {}
    for item in items:
        output = _multi_output_of(node, item, by_name, by_key)
        if output.name in produced:
            raise UserCodeError(f"multi-asset {node.key!r} produced {output.asset_key!r} twice", step_key=node.key)
        if selected is not None and output.name not in selected:
            raise UserCodeError(
                f"multi-asset {node.key!r} produced {output.asset_key!r}, which is not selected in this run "
                "(read context.selected_output_names)",
                step_key=node.key,
            )
        produced[output.name] = (item.value, normalize_metadata(item.metadata))
    missing = [
        o.asset_key for o in outputs
        if o.required and o.name not in produced and (selected is None or o.name in selected)
    ]
    if missing:
        raise UserCodeError(
            f"multi-asset {node.key!r} did not produce {missing}; produce every required output "
            "(or mark it AssetOut(is_required=False) / AssetSpec(skippable=True))",
            step_key=node.key,
        )
    return produced


def _multi_output_of(node: Node, item: Any, by_name: dict[str, Any], by_key: dict[str, Any]) -> Any:
    if isinstance(item, Output):
        if item.output_name in by_name:
            return by_name[item.output_name]
        if item.output_name == DEFAULT_OUTPUT and len(by_name) == 1:
            return next(iter(by_name.values()))
        raise UserCodeError(
            f"multi-asset {node.key!r} yielded Output(output_name={item.output_name!r}); its outputs are "
            f"{sorted(by_name)}",
            step_key=node.key,
        )
    if isinstance(item, MaterializeResult):
        if item.asset_key is None and len(by_key) == 1:
            return next(iter(by_key.values()))
        key = key_of(item.asset_key) if item.asset_key is not None else None
        if key in by_key:
            return by_key[key]
        raise UserCodeError(
            f"multi-asset {node.key!r} gave MaterializeResult(asset_key={key!r}); its assets are {sorted(by_key)}",
            step_key=node.key,
        )
    raise UserCodeError(
        f"multi-asset {node.key!r} yielded {type(item).__name__}; it yields Output or MaterializeResult",
        step_key=node.key,
    )


def _one_output(node: Node, outputs: list[Any]) -> Produced:
    if len(outputs) > 1:
        raise UserCodeError(
            f"{node.kind} {node.key!r} yielded {len(outputs)} outputs; an asset has one output", step_key=node.key
        )
    if not outputs:
        if node.options.output_required:
            raise UserCodeError(
                f"{node.kind} {node.key!r} yielded no output: yield Output(value), or declare "
                "@asset(output_required=False) to let it produce nothing",
                step_key=node.key,
            )
        return Produced(produced=False)
    return _plain(node, outputs[0])


def _describe(items: list[Any], generator: bool) -> str:
    if not generator:
        return type(items[0]).__name__
    return f"{len(items)} items ({', '.join(type(item).__name__ for item in items)})" if items else "nothing"


def _resolve_checks(node: Node, results: list[AssetCheckResult], *, expect_all: bool) -> list[AssetCheckResult]:
    """Each result with its asset and check name filled in, matched against the node's specs."""
    specs = {spec.name: spec for spec in node.options.check_specs}
    resolved: list[AssetCheckResult] = []
    for result in results:
        name = result.check_name
        if name is None:
            if len(specs) != 1:
                declared = ", ".join(sorted(specs)) or "none"
                raise UserCodeError(
                    f"{node.kind} {node.key!r} gave an AssetCheckResult without check_name; "
                    f"name one of its checks ({declared})",
                    step_key=node.key,
                )
            name = next(iter(specs))
        spec = specs.get(name)
        if spec is None:
            raise UserCodeError(
                f"{node.kind} {node.key!r} gave a result for check {name!r}, which it does not declare "
                "(add an AssetCheckSpec to check_specs=)",
                step_key=node.key,
            )
        asset = key_of(result.asset_key) if result.asset_key is not None else spec.asset_key
        if asset != spec.asset_key:
            raise UserCodeError(
                f"{node.kind} {node.key!r}: check {name!r} is on {spec.asset_key!r}, not {asset!r}", step_key=node.key
            )
        if any(done.check_name == name for done in resolved):
            raise UserCodeError(f"{node.kind} {node.key!r} gave two results for check {name!r}", step_key=node.key)
        resolved.append(replace(result, asset_key=asset, check_name=name))
    missing = sorted(set(specs) - {r.check_name for r in resolved})
    if missing and expect_all:
        raise UserCodeError(
            f"{node.kind} {node.key!r} declares check(s) {missing} but gave no result for them", step_key=node.key
        )
    return resolved


def _blocking_failure(node: Node, results: list[AssetCheckResult]) -> str | None:
    specs = {spec.name: spec for spec in node.options.check_specs}
    failed = [
        f"{r.asset_key}:{r.check_name}" for r in results
        if not r.passed and r.severity is AssetCheckSeverity.ERROR and specs[str(r.check_name)].blocking
    ]
    if not failed:
        return None
    return f"blocking asset check {', '.join(failed)} failed; downstream assets do not run"


def _plain(node: Node, result: Any) -> Produced:
    if isinstance(result, Output):
        if result.output_name != DEFAULT_OUTPUT:
            raise UserCodeError(
                f"{node.kind} {node.key!r} gave Output(output_name={result.output_name!r}); "
                f"an asset's one output is named {DEFAULT_OUTPUT!r}",
                step_key=node.key,
            )
        return Produced(True, result.value, dict(result.metadata), result)
    if isinstance(result, MaterializeResult):
        if result.asset_key is not None and key_of(result.asset_key) != node.key:
            raise UserCodeError(
                f"{node.kind} {node.key!r} gave MaterializeResult(asset_key={key_of(result.asset_key)!r}), "
                "which is not its key",
                step_key=node.key,
            )
        return Produced(True, result.value, dict(result.metadata), result)
    return Produced(True, result)
