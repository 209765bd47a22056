"""Staleness: is a step's last materialization still what running it would produce?

A step is *up to date* when, all of:

* it may be reused at all: ``cache=True``, not ``non_deterministic``, the run is not forced;
* its last materialization was made by the same code version;
* that materialization consumed exactly the data versions its inputs have now.

Otherwise :func:`stale_reason` says why, in words (``code changed``, ``upstream 'raw'
changed``, ``never materialized``), for the run record and ``headwater assets list``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from headwater.definitions.graph import Graph
from headwater.planning.plan import PlannedStep
from headwater.planning.versions import code_version_of
from headwater.storage.records import Materialization

__all__ = ["AssetState", "AssetStatus", "asset_statuses", "stale_reason"]


def stale_reason(
    step: PlannedStep,
    previous: Materialization | None,
    input_versions: Mapping[str, str],
    *,
    force: bool = False,
) -> str | None:
    """Why ``step`` must run, or None when its ``previous`` materialization is current.

    Args:
        step: the planned step.
        previous: its latest materialization, if any.
        input_versions: upstream key -> the data version that upstream has now.
        force: the run was forced.
    """
    options = step.node.options
    if force:
        return "forced"
    if not options.cache:
        return "caching is off for it (cache=False)"
    if options.non_deterministic:
        return "it is non-deterministic"
    if previous is None:
        return "never materialized"
    if previous.code_version != step.code_version:
        return "code changed"
    changed = [key for key, version in input_versions.items() if previous.input_versions.get(key) != version]
    if changed:
        return "upstream " + ", ".join(repr(key) for key in changed) + " changed"
    removed = set(previous.input_versions) - set(input_versions)
    if removed:
        return "inputs changed"
    return None


class AssetState(StrEnum):
    """Where an asset stands, as ``headwater assets list`` shows it."""

    FRESH = "fresh"
    STALE = "stale"
    FAILED = "failed"
    NEVER = "never materialized"


@dataclass(frozen=True, slots=True)
class AssetStatus:
    """An asset's state, why, and its latest materialization."""

    state: AssetState
    reason: str = ""
    latest: Materialization | None = None


def asset_statuses(
    graph: Graph,
    latest: Mapping[str, Materialization],
    last_failed: Mapping[str, float] | None = None,
) -> dict[str, AssetStatus]:
    """The state of every node of ``graph``, given the stores' history.

    Args:
        graph: the current definitions.
        latest: key -> its latest materialization.
        last_failed: key -> when a run of it last failed; it counts as failed when that is
            newer than its latest materialization.

    An asset is stale when its code changed since its latest materialization, when an
    upstream has a newer data version than the one it consumed, or when an upstream is
    itself stale or failed (its value would change on the next run).
    """
    failures = last_failed or {}
    statuses: dict[str, AssetStatus] = {}
    for key in graph.order:
        materialization = latest.get(key)
        failed_at = failures.get(key)
        if failed_at is not None and (materialization is None or failed_at > materialization.created_at):
            statuses[key] = AssetStatus(AssetState.FAILED, "its last run failed", materialization)
            continue
        if materialization is None:
            statuses[key] = AssetStatus(AssetState.NEVER, "", None)
            continue
        reason = _why_stale(graph, key, materialization, latest, statuses)
        statuses[key] = AssetStatus(AssetState.STALE if reason else AssetState.FRESH, reason or "", materialization)
    return statuses


def _why_stale(
    graph: Graph,
    key: str,
    materialization: Materialization,
    latest: Mapping[str, Materialization],
    statuses: Mapping[str, AssetStatus],
) -> str | None:
    node = graph.nodes[key]
    if materialization.code_version != code_version_of(node.user_fn, node.options.code_version):
        return "code changed"
    reasons = []
    for upstream in node.upstream:
        upstream_status = statuses.get(upstream)
        upstream_latest = latest.get(upstream)
        if upstream_latest is not None and materialization.input_versions.get(upstream) != upstream_latest.data_version:
            reasons.append(f"upstream {upstream!r} changed")
        elif upstream_status is not None and upstream_status.state is not AssetState.FRESH:
            reasons.append(f"upstream {upstream!r} is {upstream_status.state.value}")
    return "; ".join(reasons) or None
