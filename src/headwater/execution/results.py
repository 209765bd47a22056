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

A generator that yields no output is an error unless the node sets ``output_required=False``
(then nothing is stored and the run loop skips its downstream). A function that *returns*
always produces its value, even ``None``, as in Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from headwater.definitions.asset import MaterializeResult, Output, key_of
from headwater.definitions.node import Node
from headwater.errors import UserCodeError

__all__ = ["Produced", "unwrap"]

#: the name of an asset's one output (Dagster's)
DEFAULT_OUTPUT = "result"


@dataclass(slots=True)
class Produced:
    """The plain result of one step.

    Attributes:
        produced: whether there is a value to store (False only for ``output_required=False``).
        value: the value to store.
        metadata: metadata to record with it.
        wrapper: the ``Output`` or ``MaterializeResult`` the value came in, if any.
    """

    produced: bool
    value: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    wrapper: Output[Any] | MaterializeResult | None = None


def unwrap(node: Node, result: Any, *, generator: bool) -> Produced:
    """Turn what ``node``'s function returned (or the items it yielded) into a :class:`Produced`.

    Raises:
        UserCodeError: a generator yielded something other than an output, more than one
            output, or none while its output is required.
    """
    if not generator:
        return _plain(node, result)
    outputs = []
    for item in result:
        if isinstance(item, Output | MaterializeResult):
            outputs.append(item)
        else:
            raise UserCodeError(
                f"{node.kind} {node.key!r} yielded {type(item).__name__}; a generator asset yields "
                "Output(...) or MaterializeResult(...)",
                step_key=node.key,
            )
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
