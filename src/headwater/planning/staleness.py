"""Staleness: the one rule deciding whether a step's stored value can stand in for running it.

The run loop (when a step's inputs are ready), ``headwater assets list`` and the web UI all
call :func:`decide`, so a listing can never say "fresh" for a step the next run reruns.

The rule
--------
A step must run, for the first of these reasons that holds:

1. the run is forced;
2. it was never materialized;
3. its code changed: ``code changed: helper _split`` (see :mod:`~headwater.planning.versions`);
4. its environment changed: ``environment changed: scikit-learn 1.5.2 -> 1.6.0``, unless
   ``cache="code"``;
5. an input's data version differs from the one its last materialization consumed;
6. it declares ``source_version=`` and the source's version changed;
7. its policy says always: ``cache=False``, ``non_deterministic=True``, or it is a *source*
   (no upstream) with neither ``source_version=`` nor ``cache=True``;
8. its stored value is not intact (the artifact check says why: missing, damaged).

Otherwise it is up to date and its stored value is reused. Reasons 1-6 and 8 say something
changed; 7 is policy. A source that runs by policy and returns the same data as before gets
the same data version, so its downstream stays up to date (early cutoff).

A listing has no run to watch, so :func:`asset_statuses` applies the rule with each
upstream's latest data version, and says what the next run will do: run it, skip it, or
(when an upstream runs first) run it only if that upstream's data changes::

    raw (source) ──> features ──> model
    next run:  raw RUN (a source)   features IF_UPSTREAM_CHANGES   model IF_UPSTREAM_CHANGES
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from headwater.definitions.graph import Graph
from headwater.definitions.node import Node
from headwater.planning.environment import describe_environment_change, environment_of
from headwater.planning.versions import CodeVersion, Versioner, describe_code_change
from headwater.storage.records import Materialization

__all__ = [
    "STORED_VALUE_LOST",
    "ArtifactCheck",
    "AssetState",
    "AssetStatus",
    "Decision",
    "NextRun",
    "StepVersions",
    "asset_statuses",
    "decide",
    "step_versions",
]

#: Why a materialization's stored value cannot be reused ("missing", "damaged: ..."), or
#: None when it is intact. The stores provide it (``Instance.check_artifact``).
ArtifactCheck = Callable[[Materialization], str | None]

#: how the reason begins when a step runs because its stored value is missing or damaged
STORED_VALUE_LOST = "its stored value is "


@dataclass(frozen=True, slots=True)
class StepVersions:
    """What a step is now: its code version and the environment its code reaches."""

    code: CodeVersion
    environment: Mapping[str, str] = field(default_factory=dict)


def step_versions(node: Node, versioner: Versioner) -> StepVersions:
    """The current code version and environment of ``node``."""
    code = versioner.version_of(node.user_fn, node.options.code_version)
    return StepVersions(code, environment_of(code.modules))


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a step runs, and why.

    Attributes:
        reason: why it must run; None when its stored value is current.
        policy: the reason is its policy (always runs), not a change.
        source_version: the source's version now, when the step declares one (recorded
            with the materialization the run makes).
    """

    reason: str | None
    policy: bool = False
    source_version: str | None = None

    @property
    def up_to_date(self) -> bool:
        return self.reason is None


def decide(
    node: Node,
    current: StepVersions,
    previous: Materialization | None,
    input_versions: Mapping[str, str],
    *,
    artifact_check: ArtifactCheck | None = None,
    force: bool = False,
) -> Decision:
    """Apply the rule (see the module docstring) to one step.

    Args:
        node: the step.
        current: its code version and environment now.
        previous: its latest materialization, if any.
        input_versions: upstream key -> the data version that upstream has now (in a run:
            what it produced or reused; in a listing: its latest materialization's).
        artifact_check: why ``previous``'s stored value cannot be reused; not checked when None.
        force: the run was forced.
    """
    source_version, source_error = _source_version(node)
    change = _change(node, current, previous, input_versions, source_version, source_error, force=force)
    if change is not None:
        return Decision(change, source_version=source_version)
    policy = _policy(node)
    if policy is not None:
        return Decision(policy, policy=True, source_version=source_version)
    assert previous is not None
    damage = artifact_check(previous) if artifact_check is not None else None
    if damage is not None:
        return Decision(f"{STORED_VALUE_LOST}{damage}", source_version=source_version)
    return Decision(None, source_version=source_version)


def _change(
    node: Node,
    current: StepVersions,
    previous: Materialization | None,
    input_versions: Mapping[str, str],
    source_version: str | None,
    source_error: str | None,
    *,
    force: bool,
) -> str | None:
    if force:
        return "forced"
    if previous is None:
        return "never materialized"
    if previous.code_version != current.code.version:
        return describe_code_change(previous.code_components, current.code.components)
    if node.options.cache != "code" and previous.environment != current.environment:
        changed_environment = describe_environment_change(previous.environment, current.environment)
        if changed_environment is not None:
            return changed_environment
    consumed = previous.input_versions
    if consumed != input_versions:
        changed = [key for key, version in input_versions.items() if consumed.get(key) != version]
        if changed:
            return "upstream " + ", ".join(repr(key) for key in changed) + " changed"
        if consumed.keys() - input_versions.keys():
            return "inputs changed"
    if source_error is not None:
        return source_error
    if node.options.source_version is not None and previous.source_version != source_version:
        return "source changed" if previous.source_version is not None else "source version not recorded before"
    return None


def _policy(node: Node) -> str | None:
    options = node.options
    if options.cache is False:
        return "caching is off for it (cache=False)"
    if options.non_deterministic:
        return "it is non-deterministic"
    if not node.upstream and options.cache is None and options.source_version is None:
        return "a source: it runs on every materialization; source_version= would skip it while unchanged"
    return None


def _source_version(node: Node) -> tuple[str | None, str | None]:
    """The source's version now, or why it could not be had (then the step runs)."""
    declared = node.options.source_version
    if declared is None:
        return None, None
    try:
        version = declared()
    except Exception as exc:  # noqa: BLE001 -- user code: any failure means "cannot tell", so run
        return None, f"its source_version {declared!r} raised {type(exc).__name__}: {exc}"
    if not isinstance(version, str):
        return None, f"its source_version {declared!r} returned {type(version).__name__}, not a string"
    return version, None


# -- the listing ----------------------------------------------------------------------------


class AssetState(StrEnum):
    """Where an asset stands, as ``headwater assets list`` shows it."""

    FRESH = "fresh"
    STALE = "stale"
    FAILED = "failed"
    NEVER = "never materialized"


class NextRun(StrEnum):
    """What the next run will do with a step, by the same rule the run applies."""

    RUN = "run"
    SKIP = "skip"
    #: up to date against its upstreams' latest values, but an upstream runs first: it runs
    #: only if that upstream's data changes
    IF_UPSTREAM_CHANGES = "if upstream changes"


@dataclass(frozen=True, slots=True)
class AssetStatus:
    """An asset's state, why, what the next run does with it, and its latest materialization."""

    state: AssetState
    reason: str = ""
    latest: Materialization | None = None
    next_run: NextRun = NextRun.RUN


def asset_statuses(
    graph: Graph,
    latest: Mapping[str, Materialization],
    last_failed: Mapping[str, float] | None = None,
    *,
    artifact_check: ArtifactCheck | None = None,
    versioner: Versioner | None = None,
    decided: Mapping[str, AssetStatus] | None = None,
) -> dict[str, AssetStatus]:
    """The state of every node of ``graph``, by the rule the run applies (:func:`decide`).

    Args:
        graph: the current definitions.
        latest: key -> its latest materialization.
        last_failed: key -> when a run of it last failed; it counts as failed when that is
            newer than its latest materialization.
        artifact_check: as for :func:`decide` (pass the stores' check, so a lost value shows
            as stale, as the run will find it).
        versioner: the versioning pass to use (a fresh one when None).
        decided: key -> its status, decided elsewhere (a partitioned asset, by its
            partitions: see :mod:`headwater.planning.partition_status`).

    An asset is stale when the rule finds a change (its code, its environment, its source,
    an input it consumed, its stored value) or when an upstream is stale, failed or never
    materialized; fresh when nothing changed, even if its policy makes it run each time.
    """
    versions = versioner or Versioner()
    failures = last_failed or {}
    statuses: dict[str, AssetStatus] = {}
    for key in graph.order:
        if decided is not None and key in decided:
            statuses[key] = decided[key]
            continue
        node = graph.nodes[key]
        materialization = latest.get(key)
        inputs = {up: latest[up].data_version for up in node.upstream if up in latest}
        decision = decide(node, step_versions(node, versions), materialization, inputs, artifact_check=artifact_check)
        if materialization is None:
            status = AssetStatus(AssetState.NEVER, "", None, NextRun.RUN)
        elif decision.reason is not None:
            state = AssetState.FRESH if decision.policy else AssetState.STALE
            status = AssetStatus(state, decision.reason, materialization, NextRun.RUN)
        else:
            status = _behind_upstream(node, materialization, statuses)
        failed_at = failures.get(key)
        if failed_at is not None and (materialization is None or failed_at > materialization.created_at):
            # what the next run does is still the rule's: a failure whose code was put back
            # is skipped, its older value being current again
            status = AssetStatus(AssetState.FAILED, "its last run failed", materialization, status.next_run)
        statuses[key] = status
    return statuses


def _behind_upstream(node: Node, materialization: Materialization, statuses: Mapping[str, AssetStatus]) -> AssetStatus:
    """The status of a step the rule finds current: fresh, unless an upstream changes first."""
    running = [up for up in node.upstream if up in statuses and statuses[up].next_run is not NextRun.SKIP]
    if not running:
        return AssetStatus(AssetState.FRESH, "", materialization, NextRun.SKIP)
    changed = [up for up in running if statuses[up].state is not AssetState.FRESH]
    if changed:
        reason = "; ".join(f"upstream {up!r} is {statuses[up].state.value}" for up in changed)
        return AssetStatus(AssetState.STALE, reason, materialization, NextRun.IF_UPSTREAM_CHANGES)
    return AssetStatus(AssetState.FRESH, "", materialization, NextRun.IF_UPSTREAM_CHANGES)
