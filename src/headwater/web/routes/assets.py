"""The asset graph and the asset pages, with their JSON twins.

``GET /api/graph``: every asset and task with its state and its place in the layered layout;
``GET /api/assets``: the same as a listing; ``GET /api/assets/{key}``: one asset's
materializations, metadata, stored frame preview, metric series and lineage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from headwater.services import assets as asset_service
from headwater.services import frames, metrics, partitions
from headwater.storage.records import Materialization
from headwater.web import layout
from headwater.web.deps import InstanceDep, LocationDep, WebStateDep

__all__ = ["api", "pages"]

api = APIRouter(tags=["assets"])
#: above this many assets the page lists groups, not every asset (the graph still has them all)
LIST_LIMIT = 1000
pages = APIRouter()


class AssetOut(BaseModel):
    """An asset (or task) of the code location and where it stands."""

    key: str
    kind: str
    group: str
    upstream: list[str]
    description: str
    tags: dict[str, str]
    state: str
    reason: str
    next_run: str
    latest: Materialization | None


class GraphNode(BaseModel):
    key: str
    kind: str
    group: str
    state: str
    reason: str
    #: column (distance from the sources) and row in the layered layout
    layer: int
    row: int


class GraphOut(BaseModel):
    """The asset graph: nodes with their layout, edges as (upstream index, downstream index)."""

    location: str
    nodes: list[GraphNode]
    edges: list[tuple[int, int]]


class AssetDetailOut(BaseModel):
    """One asset: its state, history, the frame it stores, its metrics and its neighbours."""

    asset: AssetOut | None
    downstream: list[str]
    materializations: list[Materialization]
    preview: frames.FramePreview | None
    metrics: list[metrics.MetricSeries]
    partitions: list[partitions.PartitionCell]


@dataclass(frozen=True, slots=True)
class _Detail:
    asset: AssetOut | None
    downstream: list[str]
    materializations: list[Materialization]
    preview: frames.FramePreview | None
    preview_error: str | None
    metrics: list[metrics.MetricSeries]
    partitions: list[partitions.PartitionCell]


def _rows(instance: InstanceDep, location: LocationDep) -> list[AssetOut]:
    from headwater.services.activity import running_steps

    listing = asset_service.asset_states(instance, location)
    running = running_steps(instance)
    return [
        AssetOut(
            key=row.key, kind=row.kind, group=row.group, upstream=list(row.upstream), description=row.description,
            tags=row.tags, state="running" if row.key in running else row.status.state.value,
            reason=f"running in run {running[row.key][:8]}" if row.key in running else row.status.reason,
            next_run=row.status.next_run.value, latest=row.status.latest,
        )
        for row in listing.rows
    ]


@api.get("/assets", summary="Every asset and task with its state")
def list_assets(instance: InstanceDep, location: LocationDep) -> list[AssetOut]:
    return _rows(instance, location)


@api.get("/graph", summary="The asset graph with its layout", response_model=GraphOut)
def graph(instance: InstanceDep, location: LocationDep) -> Response:
    # Built as plain JSON (the shape of GraphOut): 10,000 nodes and 30,000 edges skip validation.
    return Response(_graph_json(_rows(instance, location), location.name), media_type="application/json")


def _graph_json(rows: list[AssetOut], location: str) -> str:
    """The graph as GraphOut's JSON, laid out."""
    import json

    index = {row.key: i for i, row in enumerate(rows)}
    placed = layout.positions(
        {row.key: [u for u in row.upstream if u in index] for row in rows}, groups={row.key: row.group for row in rows}
    )
    nodes = [
        {"key": r.key, "kind": r.kind, "group": r.group, "state": r.state, "reason": r.reason,
         "layer": placed[r.key][0], "row": placed[r.key][1]}
        for r in rows
    ]
    edges = [(index[u], index[r.key]) for r in rows for u in r.upstream if u in index]
    return json.dumps({"location": location, "nodes": nodes, "edges": edges}, separators=(",", ":"))


def _detail(instance: InstanceDep, location: LocationDep, key: str) -> _Detail:
    """One asset, or ``ArtifactNotFound`` (a 404) when the location lacks it and it was never stored."""
    from headwater.errors import ArtifactNotFound, HeadwaterError

    rows = {row.key: row for row in _rows(instance, location)}
    asset = rows.get(key)
    history = instance.store.get_materializations(key, limit=50) if asset is not None else _history_or_none(instance, key)
    if asset is None and not history:
        raise ArtifactNotFound(f"no asset {key!r} in {location.name}, and none was ever stored")
    preview = preview_error = None
    if history:
        try:
            preview = frames.frame_preview(instance, history[0])
        except HeadwaterError as exc:
            preview_error = str(exc)
    names = sorted({m.name for m in metrics.list_metrics(instance) if m.step_key == key})
    series = [s for name in names for s in metrics.metric_series(instance, name, step_key=key)]
    downstream = sorted(k for k, row in rows.items() if key in row.upstream)
    grid = partitions.partition_grid(instance, location, key)
    return _Detail(asset, downstream, history, preview, preview_error, series, grid)


def _history_or_none(instance: InstanceDep, key: str) -> list[Materialization]:
    from headwater.errors import ArtifactNotFound

    try:
        return asset_service.asset_history(instance, key, limit=50)
    except ArtifactNotFound:
        return []


@api.get("/assets/{key:path}", summary="One asset: history, metadata, frame preview, metrics, lineage")
def asset_detail(key: str, instance: InstanceDep, location: LocationDep) -> AssetDetailOut:
    found = _detail(instance, location, key)
    return AssetDetailOut(
        asset=found.asset, downstream=found.downstream, materializations=found.materializations,
        preview=found.preview, metrics=found.metrics, partitions=found.partitions,
    )


# -- pages -----------------------------------------------------------------------------------


@pages.get("/assets")
def graph_page(request: Request, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> HTMLResponse:
    rows = _rows(instance, location)
    groups: dict[str, list[AssetOut]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    # the graph's data rides in the page (one state computation per page); a long list of
    # rows is left out, as the canvas and its search show every asset
    return state.render(
        request, "assets.html", nav="assets", location=location.name, groups=groups, count=len(rows),
        list_rows=len(rows) <= LIST_LIMIT, graph_json=_graph_json(rows, location.name).replace("</", "<\\/"),
    )


@pages.get("/assets/{key:path}")
def asset_page(key: str, request: Request, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> HTMLResponse:
    from headwater.web.plot import line_plot

    found = _detail(instance, location, key)
    plots = []
    for series in found.metrics:
        # one point per run: a value logged with log_metric and again as metadata is one value
        per_run = {p.run_id: p.value for p in series.points}
        plots.append((series, line_plot(list(per_run.values()), list(per_run))))
    latest = found.materializations[0] if found.materializations else None
    return state.render(
        request, "asset.html", nav="assets", key=key, detail=found, latest=latest, plots=plots,
        metadata=_metadata_rows(latest.metadata if latest else {}),
    )


def _metadata_rows(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    import json

    rows = []
    for name, value in sorted(metadata.items()):
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append((name, text))
    return rows
