"""The plan: what one run covers, in what order, and what it may reuse.

``build_plan`` resolves the selection, computes every selected step's code version, and
looks up, in one query, the latest materialization of each selected step (to decide later
whether it is up to date) and of each upstream outside the selection (whose stored value
the selected steps read). It fails, before any run is recorded, when a selected step needs
the value of an unselected upstream that has never been materialized.

Whether a step is skipped is decided by the run loop when its inputs are ready (see
:mod:`headwater.planning.staleness`), because an upstream that reruns may or may not change
its data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from headwater.definitions.graph import Graph
from headwater.definitions.node import Node
from headwater.errors import PlanError
from headwater.definitions.selection import Selection, resolve_selection, selection_text
from headwater.planning.staleness import StepVersions, step_versions
from headwater.planning.versions import Versioner
from headwater.storage.records import Materialization

__all__ = ["Plan", "PlannedStep", "build_plan"]

LatestMaterializations = Callable[[Iterable[str]], Mapping[str, Materialization]]


@dataclass(frozen=True, slots=True, eq=False)
class PlannedStep:
    """One step of a plan.

    Attributes:
        node: what to run.
        versions: its code version (what its code reaches, or its ``code_version=``
            override) and its environment.
        upstream_in_run: upstream keys that run (or are skipped) in this same run.
        downstream_in_run: downstream keys in this run.
    """

    node: Node
    versions: StepVersions
    upstream_in_run: tuple[str, ...]
    downstream_in_run: tuple[str, ...]

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

    Raises:
        SelectionError: the selection names nothing.
        PlanError: a selected step needs the value of an unselected, never materialized asset.
    """
    keys = resolve_selection(graph, selection)
    chosen = set(keys)
    outside = sorted({up for key in keys for up in graph.nodes[key].upstream if up not in chosen})
    history = dict(latest([*keys, *outside])) if latest is not None else {}
    external = {key: history[key] for key in outside if key in history}
    external.update({key: m for key, m in (pinned or {}).items() if key in outside})
    _check_external_inputs(graph, keys, chosen, external)
    versioner = Versioner()
    steps = {
        key: PlannedStep(
            node=graph.nodes[key],
            versions=step_versions(graph.nodes[key], versioner),
            upstream_in_run=tuple(up for up in graph.nodes[key].upstream if up in chosen),
            downstream_in_run=tuple(down for down in graph.downstream[key] if down in chosen),
        )
        for key in keys
    }
    return Plan(
        steps=steps,
        selection=selection_text(selection),
        previous={key: history[key] for key in keys if key in history},
        external=external,
        force=force,
    )


def _check_external_inputs(
    graph: Graph, keys: Iterable[str], chosen: set[str], external: Mapping[str, Materialization]
) -> None:
    missing = [
        (key, upstream)
        for key in keys
        for upstream in graph.nodes[key].inputs.values()
        if upstream not in chosen and upstream not in external
    ]
    if missing:
        lines = [
            f"{key!r} needs the value of {upstream!r}, which is not selected and has never been materialized"
            for key, upstream in missing
        ]
        first = missing[0][0]
        raise PlanError("; ".join(lines) + f". Select its upstream too (e.g. '+{first}' or '*{first}').")
