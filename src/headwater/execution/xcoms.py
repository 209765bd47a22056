"""XComs as stored outputs: what a run reads of steps it does not run, and what it records.

A step's XComs are its return value (its materialization) and the values it pushed under
keys (rows of the run store's XCom table, written with its materialization). So the XComs
of a step that does not run in this run are those of the run its value comes from: the
parent run when re-executing (``pinned``), else its latest materialization. A step that
is up to date offers the XComs its previous materialization's run pushed.

Only steps that take a ``context`` can pull XComs, so only their ancestors are looked up,
in one walk of the graph and two queries::

    load_iris -> preprocess -> train -> evaluate        # --select iris.evaluate
    outside = {load_iris, preprocess, train}: each one's latest (or pinned) materialization
    and the XComs its run recorded for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from headwater.definitions.graph import Graph
from headwater.execution.context import RETURN_VALUE, UNMAPPED, XComKey
from headwater.execution.values import StoredValue
from headwater.planning.plan import Plan
from headwater.storage.base import MaterializationIndex, XComStore
from headwater.storage.records import Materialization, XCom

__all__ = ["StoredXComs", "XComSource", "load_stored_xcoms", "xcom_records"]


class XComSource(MaterializationIndex, XComStore, Protocol):
    """The stores XComs are read from (a ``SqlStore`` is both)."""


@dataclass(frozen=True, slots=True)
class StoredXComs:
    """The XComs a run reads from the store instead of producing them.

    Attributes:
        outside: key of a step outside the run -> its return value and pushed XComs.
        previous: key of a step of the run -> what its previous materialization's run pushed
            (offered when the step turns out to be up to date).
        sources: key of a step outside the run -> the materialization its XComs come from.
    """

    outside: dict[str, dict[XComKey, StoredValue]] = field(default_factory=dict)
    previous: dict[str, dict[XComKey, StoredValue]] = field(default_factory=dict)
    sources: dict[str, Materialization] = field(default_factory=dict)


def load_stored_xcoms(
    graph: Graph, plan: Plan, store: XComSource, pinned: Mapping[str, Materialization] | None = None
) -> StoredXComs:
    """The XComs of the steps outside ``plan`` that its context-taking steps descend from.

    Args:
        graph: the graph the plan was built from.
        plan: the run's plan.
        store: the run store.
        pinned: step key -> the materialization to read it from instead of its latest (the
            parent run's, when re-executing).
    """
    readers = [key for key, step in plan.steps.items() if step.node.takes_context]
    if not readers:
        return StoredXComs()
    outside = _ancestors_outside(graph, readers, plan.steps)
    pinned = pinned or {}
    sources = {key: pinned[key] for key in outside if key in pinned}
    unpinned = [key for key in outside if key not in sources]
    sources.update(store.latest_materializations(unpinned) if unpinned else {})
    previous = {key: plan.previous[key] for key in readers if key in plan.previous}
    wanted = [(m.run_id, key) for key, m in (*sources.items(), *previous.items())]
    pushed: dict[tuple[str, str], dict[XComKey, StoredValue]] = {}
    for xcom in store.get_xcoms(wanted) if wanted else []:
        pushed.setdefault((xcom.run_id, xcom.task_key), {})[(xcom.key, xcom.map_index)] = StoredValue(
            xcom.artifact_uri, xcom.serializer, xcom.size_bytes, xcom.data_version, xcom.run_id
        )
    return StoredXComs(
        outside={
            key: {(RETURN_VALUE, UNMAPPED): StoredValue.of(m), **pushed.get((m.run_id, key), {})}
            for key, m in sources.items()
        },
        previous={key: pushed[(m.run_id, key)] for key, m in previous.items() if (m.run_id, key) in pushed},
        sources=sources,
    )


def xcom_records(run_id: str, step_key: str, pushed: Mapping[XComKey, StoredValue], created_at: float) -> list[XCom]:
    """The run-store rows of the XComs a step pushed."""
    return [
        XCom(run_id, step_key, key, index, value.uri, value.serializer, value.size_bytes, value.data_version, created_at)
        for (key, index), value in pushed.items()
    ]


def _ancestors_outside(graph: Graph, readers: Iterable[str], in_run: Mapping[str, object]) -> list[str]:
    """Every ancestor of ``readers`` that is not in the run, in one walk (each node once)."""
    seen: set[str] = set()
    frontier = [up for key in readers for up in graph.nodes[key].upstream]
    while frontier:
        key = frontier.pop()
        if key in seen:
            continue
        seen.add(key)
        frontier.extend(graph.nodes[key].upstream)
    return sorted(key for key in seen if key not in in_run)
