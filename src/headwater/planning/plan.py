"""The plan: what one run covers, in what order, and what it may reuse.

``build_plan`` resolves the selection, computes every selected step's code version, and
looks up, in one query, the latest materialization of each selected step (to decide later
whether it is up to date) and of each upstream outside the selection (whose stored value
the selected steps read). It fails, before any run is recorded, when a selected step needs
the value of an unselected upstream that has never been materialized.

Whether a step is skipped is decided by the run loop when its inputs are ready (see
:mod:`headwater.planning.staleness`), because an upstream that reruns may or may not change
its data.

Partitions
----------
A run may compute one partition (its ``partition_key``): each selected partitioned step then
computes that partition, compared with that partition's own latest materialization, and
reads the same partition of a partitioned upstream (see :mod:`headwater.planning.partitioned`).
A selected step that is not partitioned reads every stored partition of a partitioned
upstream as a dict, key -> value (its ``fan_in``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from headwater.definitions.graph import Graph
from headwater.definitions.node import Node
from headwater.errors import PlanError
from headwater.definitions.selection import Selection, resolve_selection, selection_text
from headwater.planning.partitioned import PartitionHistory, RunPartitions, run_partitions
from headwater.planning.run_config import step_configs, step_resources
from headwater.planning.staleness import StepVersions, step_versions
from headwater.planning.versions import Versioner, with_run_inputs
from headwater.storage.records import Materialization

__all__ = ["Plan", "PlannedStep", "build_plan"]

LatestMaterializations = Callable[[Iterable[str]], Mapping[str, Materialization]]


@dataclass(frozen=True, slots=True, eq=False)
class PlannedStep:
    """One step of a plan.

    Attributes:
        node: what to run.
        versions: its code version (what its code reaches, or its ``code_version=``
            override, and its run config when it takes one) and its environment.
        upstream_in_run: upstream keys that run (or are skipped) in this same run.
        downstream_in_run: downstream keys in this run.
    """

    node: Node
    versions: StepVersions
    upstream_in_run: tuple[str, ...]
    downstream_in_run: tuple[str, ...]
    #: the step's validated run config (plain JSON), when its function takes config
    config: Mapping[str, Any] | None = None
    #: the partition this step computes, when it is partitioned
    partition: str | None = None

    @property
    def key(self) -> str:
        return self.node.key

    @property
    def code_version(self) -> str:
        return self.versions.code.version


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """The steps of one run, in topological order, with what they may reuse.

    Attributes:
        steps: key -> planned step, in topological order.
        selection: the selection as one string, for the run record.
        previous: key -> latest materialization of a selected step (for up-to-date checks).
        external: key -> latest materialization of an upstream outside the selection.
        force: run every selected step, up to date or not.
    """

    steps: Mapping[str, PlannedStep]
    selection: str
    previous: Mapping[str, Materialization] = field(default_factory=dict)
    external: Mapping[str, Materialization] = field(default_factory=dict)
    force: bool = False
    #: resource key -> the resource, resolved, for the resources the steps take
    resources: Mapping[str, object] = field(default_factory=dict)
    #: the partition the run computes, when it has one
    partition_key: str | None = None
    #: partitioned upstream key -> partition key -> its latest materialization, for the steps
    #: that are not partitioned and read every partition
    fan_in: Mapping[str, Mapping[str, Materialization]] = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.steps)


def build_plan(
    graph: Graph,
    selection: Selection | None = "*",
    *,
    latest: LatestMaterializations | None = None,
    force: bool = False,
    pinned: Mapping[str, Materialization] | None = None,
    run_config: object = None,
    resources: Mapping[str, object] | None = None,
    partition_key: str | None = None,
    partition_history: PartitionHistory | None = None,
) -> Plan:
    """Plan a run of ``selection`` over ``graph``.

    Args:
        graph: the validated graph.
        selection: a selection string or a sequence of assets and keys.
        latest: looks up the newest materialization of keys (the store's
            ``latest_materializations``); None plans with no history (everything runs).
        force: rerun every selected step even when it is up to date.
        pinned: upstream key -> the materialization to read it from, instead of its latest
            (re-execution reads what the original run produced).
        run_config: a ``RunConfig`` or Dagster's dict form; validated against each selected
            step's ``Config`` class.
        resources: the code location's resources, resolved here for the steps that take them.
        partition_key: the partition the run computes (see the module docstring).
        partition_history: looks up the latest materialization of each partition of keys
            (the store's ``latest_partition_materializations``).

    Raises:
        SelectionError: the selection names nothing.
        PlanError: a selected step needs the value of an unselected, never materialized asset,
            or the selection is partitioned and no partition key was given.
        PartitionKeyError: the partition key is not one of the selected steps' partitions.
        RunConfigError: the run config does not fit the selected steps.
    """
    keys = resolve_selection(graph, selection)
    partitions = run_partitions(graph, keys, partition_key, partition_history)
    configs = step_configs(graph, keys, run_config)
    ready_resources = step_resources(graph, keys, resources or {}, run_config)
    chosen = set(keys)
    outside = sorted({up for key in keys for up in graph.nodes[key].upstream if up not in chosen})
    history = dict(latest([*keys, *outside])) if latest is not None else {}
    history.update(partitions.latest)
    external = {key: history[key] for key in outside if key in history}
    external.update({key: m for key, m in (pinned or {}).items() if key in outside})
    _check_external_inputs(graph, keys, chosen, external, partitions)
    versioner = Versioner()
    steps = {
        key: PlannedStep(
            node=graph.nodes[key],
            versions=_run_inputs(
                step_versions(graph.nodes[key], versioner), configs.get(key), _subset_of(graph, key, chosen)
            ),
            upstream_in_run=tuple(up for up in graph.nodes[key].upstream if up in chosen),
            downstream_in_run=tuple(down for down in graph.downstream[key] if down in chosen),
            config=configs.get(key),
            partition=partition_key if key in partitions.partitioned else None,
        )
        for key in keys
    }
    return Plan(
        steps=steps,
        selection=selection_text(selection),
        previous={key: history[key] for key in keys if key in history},
        external=external,
        force=force,
        resources=ready_resources,
        partition_key=partition_key,
        fan_in=partitions.fan_in,
    )


def _run_inputs(
    versions: StepVersions, config: Mapping[str, Any] | None, subset: Mapping[str, Any] | None
) -> StepVersions:
    """A step's versions, its code version covering what the run gives it: its run config, and
    for a multi-asset that can subset, which of its assets it computes (so that other values
    run it again)."""
    code = with_run_inputs(versions.code, "run config", config)
    code = with_run_inputs(code, "selected assets", subset)
    return versions if code is versions.code else replace(versions, code=code)


def _subset_of(graph: Graph, key: str, chosen: set[str]) -> dict[str, object] | None:
    """For a multi-asset op that can subset: which of its assets this run computes (part of its
    version, so that another subset runs it again)."""
    node = graph.nodes[key]
    if not node.options.can_subset:
        return None
    return {"selected": sorted(o.asset_key for o in node.options.multi_outputs if o.asset_key in chosen)}


def _check_external_inputs(
    graph: Graph,
    keys: Iterable[str],
    chosen: set[str],
    external: Mapping[str, Materialization],
    partitions: RunPartitions,
) -> None:
    missing = [
        (key, upstream)
        for key in keys
        for upstream in graph.nodes[key].inputs.values()
        if upstream not in chosen and upstream not in external and not partitions.fan_in.get(upstream)
    ]
    if missing:
        lines = [
            f"{key!r} needs the value of {upstream!r}"
            + (f" (partition {partitions.key!r})" if upstream in partitions.partitioned_upstream else "")
            + ", which is not selected and has never been materialized"
            for key, upstream in missing
        ]
        first = missing[0][0]
        raise PlanError("; ".join(lines) + f". Select its upstream too (e.g. '+{first}' or '*{first}').")
