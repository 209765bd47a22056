"""The node: the one shape every step takes, whichever dialect declared it.

An ``@asset`` function, a ``PythonOperator`` and a TaskFlow ``@task`` all compile to a
:class:`Node`. The engine sees only nodes: a key, a function to call, which upstream value
goes to which parameter, and options.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["AssetKey", "Node", "NodeOptions", "RetryPolicy", "defined_at", "node_of"]

NODE_ATTRIBUTE = "__headwater_node__"


@dataclass(frozen=True, slots=True)
class AssetKey:
    """The key of an asset, as a path of names (``AssetKey(["raw", "iris"])`` is ``raw/iris``).

    Headwater keys are strings; this class exists for Dagster code that builds keys as
    paths. ``str(key)`` and :meth:`to_user_string` give the string form.
    """

    path: tuple[str, ...]

    def __init__(self, path: str | list[str] | tuple[str, ...]) -> None:
        parts = (path,) if isinstance(path, str) else tuple(path)
        if not parts or not all(isinstance(p, str) and p for p in parts):
            raise ValueError(f"an asset key is a non-empty string or list of strings, not {path!r}")
        object.__setattr__(self, "path", parts)

    @classmethod
    def from_user_string(cls, text: str) -> AssetKey:
        return cls(text.split("/"))

    def to_user_string(self) -> str:
        return "/".join(self.path)

    def __str__(self) -> str:
        return self.to_user_string()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failing step is retried (Dagster's ``RetryPolicy``).

    Args:
        max_retries: attempts after the first one.
        delay: seconds before the first retry.
        backoff: factor the delay grows by on each further retry (1.0 keeps it fixed).
        jitter: add up to this fraction of the delay at random, so retries spread out.
        max_delay: cap on any single delay, in seconds.
    """

    max_retries: int = 1
    delay: float = 0.0
    backoff: float = 1.0
    jitter: float = 0.0
    max_delay: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.delay < 0 or self.backoff < 1.0 or self.jitter < 0:
            raise ValueError("delay and jitter must be >= 0 and backoff >= 1.0")

    def delay_before(self, retry_number: int, random: Callable[[], float] | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 is the first retry)."""
        wait = self.delay * self.backoff ** (retry_number - 1)
        if self.jitter and random is not None:
            wait += wait * self.jitter * random()
        return min(wait, self.max_delay)


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
    #: False: always run, never reuse a stored value (reads an external source, say)
    cache: bool = True
    #: True: the function may give different results for equal inputs; never skipped
    non_deterministic: bool = False
    #: check argument and return values against the function's type hints
    check_types: bool = True


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
        kind: ``"asset"`` or ``"task"``.
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

    @property
    def upstream(self) -> tuple[str, ...]:
        """Every upstream key, data inputs first, without repeats."""
        return tuple(dict.fromkeys([*self.inputs.values(), *self.deps]))

    @property
    def user_fn(self) -> Callable[..., Any]:
        return self.source_fn if self.source_fn is not None else self.fn

    def __repr__(self) -> str:
        return f"Node({self.key!r}, upstream={list(self.upstream)}, at {self.defined_at})"


def defined_at(fn: Callable[..., Any]) -> str:
    """``file:line`` where ``fn`` is defined, or its qualified name if that is unknown."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        return getattr(fn, "__qualname__", repr(fn))
    return f"{code.co_filename}:{code.co_firstlineno}"


def node_of(obj: object) -> Node | None:
    """The node an ``@asset`` (or ``@task``) attached to ``obj``, if any."""
    node = getattr(obj, NODE_ATTRIBUTE, None)
    return node if isinstance(node, Node) else None
