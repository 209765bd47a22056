"""The node: the one shape every step takes, whichever dialect declared it.

An ``@asset`` function, a ``PythonOperator`` and a TaskFlow ``@task`` all compile to a
:class:`Node`. The engine sees only nodes: a key, a function to call, which upstream value
goes to which parameter, and options.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from headwater.definitions.trigger_rules import TriggerRule
from headwater.errors import InvalidNameError

__all__ = ["AssetKey", "Backoff", "Jitter", "Node", "NodeOptions", "RetryPolicy", "defined_at", "docstring_of", "node_of"]

NODE_ATTRIBUTE = "__headwater_node__"


@dataclass(frozen=True, slots=True)
class AssetKey:
    """The key of an asset, as a path of names (``AssetKey(["raw", "iris"])`` is ``raw/iris``).

    Headwater keys are strings; this class exists for Dagster code that builds keys as
    paths. ``str(key)`` and :meth:`to_user_string` give the string form.
    """

    path: tuple[str, ...]

    def __init__(self, path: str | list[str] | tuple[str, ...]) -> None:
        parts = (path,) if isinstance(path, str) else tuple(path) if isinstance(path, list | tuple) else ()
        if not parts or not all(isinstance(p, str) and p for p in parts):
            raise InvalidNameError(f"an asset key is a non-empty string or list of non-empty strings, not {path!r}")
        object.__setattr__(self, "path", parts)

    @classmethod
    def from_user_string(cls, text: str) -> AssetKey:
        return cls(text.split("/"))

    def to_user_string(self) -> str:
        return "/".join(self.path)

    def __str__(self) -> str:
        return self.to_user_string()


class Backoff(Enum):
    """How the retry delay grows with the retry number ``n`` (Dagster's enum).

    ``LINEAR``: ``n * delay``; ``EXPONENTIAL``: ``(2**n - 1) * delay``.
    """

    LINEAR = "LINEAR"
    EXPONENTIAL = "EXPONENTIAL"


class Jitter(Enum):
    """How the retry delay is randomized after backoff (Dagster's enum).

    ``FULL``: anywhere between 0 and the delay; ``PLUS_MINUS``: the delay give or take the
    base delay.
    """

    FULL = "FULL"
    PLUS_MINUS = "PLUS_MINUS"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failing step is retried (Dagster's ``RetryPolicy``).

    Args:
        max_retries: attempts after the first one.
        delay: seconds before the first retry.
        backoff: a :class:`Backoff`, or a factor the delay is multiplied by on each further
            retry (``2.0`` doubles it); None keeps it fixed.
        jitter: a :class:`Jitter`, or a fraction of the delay added at random (``0.1``).
        max_delay: cap on any single delay, in seconds.
    """

    max_retries: int = 1
    delay: float | None = None
    backoff: Backoff | float | None = None
    jitter: Jitter | float | None = None
    max_delay: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if (self.delay or 0) < 0:
            raise ValueError(f"delay must be >= 0, got {self.delay}")
        if isinstance(self.backoff, int | float) and self.backoff < 1.0:
            raise ValueError(f"a backoff factor must be >= 1.0, got {self.backoff}")
        if isinstance(self.jitter, int | float) and self.jitter < 0:
            raise ValueError(f"a jitter fraction must be >= 0, got {self.jitter}")

    def delay_before(self, retry_number: int, random: Callable[[], float] | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 is the first retry)."""
        base = float(self.delay or 0.0)
        if self.backoff is Backoff.LINEAR:
            wait = retry_number * base
        elif self.backoff is Backoff.EXPONENTIAL:
            wait = (2**retry_number - 1) * base
        elif self.backoff is not None:
            wait = base * float(self.backoff) ** (retry_number - 1)
        else:
            wait = base
        if random is not None:
            if self.jitter is Jitter.FULL:
                wait = random() * wait
            elif self.jitter is Jitter.PLUS_MINUS:
                wait = wait + (2 * random() * base - base)
            elif self.jitter:
                wait += wait * float(self.jitter) * random()
        return min(max(wait, 0.0), self.max_delay)


@dataclass(frozen=True, slots=True)
class NodeOptions:
    """What a user may set on a step besides its function and inputs."""

    group: str = "default"
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    description: str | None = None
    code_version: str | None = None
    retry: RetryPolicy = RetryPolicy(max_retries=0)
    timeout: float | None = None
    io: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    owners: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    pool: str | None = None
    #: None (default): reuse a stored value while code, environment and inputs are unchanged;
    #: a source (no upstream) runs every time unless it has a ``source_version``.
    #: True: reuse it, sources too. ``"code"``: like True, the environment not compared.
    #: False: always run, never reuse a stored value.
    cache: bool | str | None = None
    #: returns the version of what a source reads (``files("data/*.csv")``); unchanged, the step is skipped
    source_version: Callable[[], str] | None = None
    #: True: the function may give different results for equal inputs; never skipped
    non_deterministic: bool = False
    #: check argument and return values against the function's type hints
    check_types: bool = True
    #: False: a generator step may yield no output; its downstream is then skipped
    output_required: bool = True
    #: the ``AssetCheckSpec``s this step reports on (an asset's own, or a check node's one)
    check_specs: tuple[Any, ...] = ()
    #: the node's condition on the final states of its direct upstream nodes
    trigger_rule: TriggerRule = TriggerRule.ALL_SUCCESS
    #: the parameter typed with a ``Config`` class: it receives the run's config for the step
    config_parameter: str | None = None
    #: parameters typed with a ``ConfigurableResource`` class: each receives the resource of its name
    resource_parameters: tuple[str, ...] = ()
    #: a multi-asset's op: its outputs (``MultiOutput``: name, asset key, required)
    multi_outputs: tuple[Any, ...] = ()
    #: a multi-asset's op can compute any subset of its outputs
    can_subset: bool = False
    #: the ``PartitionsDefinition`` the asset is split by: each run computes one partition
    partitions_def: Any = None


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One step of a graph.

    Attributes:
        key: unique name of the step and of the value it produces.
        fn: what the engine calls: ``fn(context, **inputs)`` when ``takes_context``,
            else ``fn(**inputs)``.
        inputs: parameter name -> key of the upstream node whose value it receives.
        deps: upstream keys that must run first but pass no value.
        takes_context: whether ``fn`` takes the run context as its first argument.
        source_fn: the user's own function; its code gives the code version and its hints
            the types to check. Usually ``fn`` itself.
        kind: ``"asset"``, ``"task"``, ``"check"`` (an asset check, keyed ``asset:name``) or
            ``"multi"`` (the op of a ``@multi_asset``, whose outputs are asset nodes).
        defined_at: ``file:line`` of the definition, for error messages.
    """

    key: str
    fn: Callable[..., Any]
    inputs: Mapping[str, str]
    deps: tuple[str, ...] = ()
    takes_context: bool = False
    options: NodeOptions = NodeOptions()
    source_fn: Callable[..., Any] | None = None
    kind: str = "asset"
    defined_at: str = "<unknown>"

    #: every upstream key, data inputs first, without repeats (the run loop asks often)
    upstream: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "upstream", tuple(dict.fromkeys([*self.inputs.values(), *self.deps])))

    @property
    def user_fn(self) -> Callable[..., Any]:
        return self.source_fn if self.source_fn is not None else self.fn

    def __repr__(self) -> str:
        return f"Node({self.key!r}, upstream={list(self.upstream)}, at {self.defined_at})"


def defined_at(fn: Callable[..., Any]) -> str:
    """``file:line`` where ``fn`` is defined, or its qualified name if that is unknown."""
    code = getattr(inspect.unwrap(fn) if hasattr(fn, "__wrapped__") else fn, "__code__", None)
    if code is None:
        return getattr(fn, "__qualname__", repr(fn))
    return f"{code.co_filename}:{code.co_firstlineno}"


def docstring_of(fn: Callable[..., Any]) -> str | None:
    """``inspect.getdoc(fn)``: its docstring, cleaned, or one it inherits as a method.

    A function with no docstring that is not a method (defined at module level or inside
    another function) inherits none, so the search for a class to inherit from is skipped.
    """
    doc = getattr(fn, "__doc__", None)
    if isinstance(doc, str):
        return inspect.cleandoc(doc)
    if isinstance(fn, types.FunctionType) and ("." not in fn.__qualname__ or "<locals>" in fn.__qualname__):
        return None
    return inspect.getdoc(fn)


def node_of(obj: object) -> Node | None:
    """The node an ``@asset`` (or ``@task``) attached to ``obj``, if any."""
    node = getattr(obj, NODE_ATTRIBUTE, None)
    return node if isinstance(node, Node) else None
