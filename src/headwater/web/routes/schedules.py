"""Schedules and DAGs: their state, next ticks and tick history, the runs-by-tasks grid of a
DAG, and the switches (start/stop a schedule, pause/unpause a DAG)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from headwater.services import backfills as backfill_service
from headwater.services import definitions
from headwater.services import schedules as schedule_service
from headwater.storage.records import Backfill, ScheduleTick
from headwater.web.deps import InstanceDep, LocationDep, WebStateDep

__all__ = ["api", "pages"]

api = APIRouter(tags=["schedules"])
pages = APIRouter()


class ScheduleStatusOut(BaseModel):
    name: str
    status: str


class DagPausedOut(BaseModel):
    dag_id: str
    is_paused: bool


class DagOut(BaseModel):
    """A DAG with whether it is paused (its schedule stopped)."""

    dag: definitions.DagInfo
    is_paused: bool | None


class BackfillOut(BaseModel):
    """A backfill and how far it got: each key's state, counted, and the run of each key."""

    backfill: Backfill
    counts: dict[str, int]
    done: int
    total: int
    keys: dict[str, str]
    runs: dict[str, str]


def _backfill_out(progress: backfill_service.BackfillProgress) -> BackfillOut:
    counts: dict[str, int] = {}
    for state in progress.keys.values():
        counts[str(state)] = counts.get(str(state), 0) + 1
    return BackfillOut(
        backfill=progress.backfill, counts=counts, done=progress.done, total=len(progress.keys),
        keys={k: str(v) for k, v in progress.keys.items()}, runs=dict(progress.runs),
    )


def _dags(instance: InstanceDep, location: LocationDep) -> list[DagOut]:
    status = {s.name: s.status for s in definitions.list_schedules(instance, location)}
    return [
        DagOut(dag=dag, is_paused=None if dag.schedule_name is None else status.get(dag.schedule_name) != "RUNNING")
        for dag in definitions.list_dags(location)
    ]


@api.get("/schedules", summary="Every schedule with its status, next tick and last tick")
def list_schedules(instance: InstanceDep, location: LocationDep) -> list[definitions.ScheduleInfo]:
    return definitions.list_schedules(instance, location)


@api.get("/schedules/{name}/ticks", summary="A schedule's ticks, newest first, with their reasons")
def schedule_ticks(
    name: str, instance: InstanceDep, location: LocationDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> list[ScheduleTick]:
    schedule_service.upcoming_ticks(location, name, count=0)  # an unknown name is a 404
    return definitions.schedule_ticks(instance, name, limit=limit)


@api.post("/schedules/{name}/start", summary="Start a schedule")
def start_schedule(name: str, instance: InstanceDep, location: LocationDep) -> ScheduleStatusOut:
    return ScheduleStatusOut(name=name, status=schedule_service.set_schedule_status(instance, location, name, running=True))


@api.post("/schedules/{name}/stop", summary="Stop a schedule")
def stop_schedule(name: str, instance: InstanceDep, location: LocationDep) -> ScheduleStatusOut:
    return ScheduleStatusOut(name=name, status=schedule_service.set_schedule_status(instance, location, name, running=False))


@api.get("/dags", summary="Every Airflow-dialect DAG, paused or not")
def list_dags(instance: InstanceDep, location: LocationDep) -> list[DagOut]:
    return _dags(instance, location)


@api.get("/dags/{dag_id}/grid", summary="The latest runs of a DAG by its tasks (Airflow's grid)")
def dag_grid(
    dag_id: str, instance: InstanceDep, location: LocationDep, limit: Annotated[int, Query(ge=1, le=200)] = 25
) -> schedule_service.DagGrid:
    return schedule_service.dag_grid(instance, location, dag_id, limit=limit)


@api.post("/dags/{dag_id}/pause", summary="Pause a DAG (stop its schedule)")
def pause_dag(dag_id: str, instance: InstanceDep, location: LocationDep) -> DagPausedOut:
    return DagPausedOut(dag_id=dag_id, is_paused=schedule_service.set_dag_paused(instance, location, dag_id, paused=True))


@api.post("/dags/{dag_id}/unpause", summary="Unpause a DAG (start its schedule)")
def unpause_dag(dag_id: str, instance: InstanceDep, location: LocationDep) -> DagPausedOut:
    return DagPausedOut(dag_id=dag_id, is_paused=schedule_service.set_dag_paused(instance, location, dag_id, paused=False))


@api.get("/backfills", summary="The newest backfills with their progress")
def list_backfills(instance: InstanceDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[BackfillOut]:
    return [_backfill_out(p) for p in backfill_service.list_backfills(instance, limit=limit)]


@api.get("/backfills/{backfill_id}", summary="One backfill: each key's state and run")
def backfill_detail(backfill_id: str, instance: InstanceDep) -> BackfillOut:
    return _backfill_out(backfill_service.backfill_progress(instance, backfill_id))


# -- pages -----------------------------------------------------------------------------------


@pages.get("/schedules")
def schedules_page(request: Request, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> HTMLResponse:
    schedules = definitions.list_schedules(instance, location)
    upcoming = {s.name: schedule_service.upcoming_ticks(location, s.name, count=3) for s in schedules}
    backfills = [_backfill_out(p) for p in backfill_service.list_backfills(instance, limit=20)]
    return state.render(
        request, "schedules.html", nav="schedules", schedules=schedules, upcoming=upcoming,
        dags=_dags(instance, location), backfills=backfills,
    )


@pages.get("/schedules/{name}")
def schedule_page(name: str, request: Request, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> HTMLResponse:
    upcoming = schedule_service.upcoming_ticks(location, name, count=10)
    info = next(s for s in definitions.list_schedules(instance, location) if s.name == name)
    ticks = definitions.schedule_ticks(instance, name, limit=100)
    return state.render(request, "schedule.html", nav="schedules", schedule=info, upcoming=upcoming, ticks=ticks)


@pages.post("/schedules/{name}/toggle")
def toggle_schedule(name: str, instance: InstanceDep, location: LocationDep, back: str = "/schedules") -> RedirectResponse:
    from headwater.web.state import local_path

    current = next((s.status for s in definitions.list_schedules(instance, location) if s.name == name), None)
    schedule_service.set_schedule_status(instance, location, name, running=current != "RUNNING")
    return RedirectResponse(local_path(back), status_code=303)


@pages.get("/dags/{dag_id}")
def dag_page(dag_id: str, request: Request, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> HTMLResponse:
    grid = schedule_service.dag_grid(instance, location, dag_id, limit=25)
    dag = next(d for d in _dags(instance, location) if d.dag.dag_id == dag_id)
    return state.render(request, "dag.html", nav="schedules", grid=grid, dag=dag)


@pages.post("/dags/{dag_id}/toggle")
def toggle_dag(dag_id: str, instance: InstanceDep, location: LocationDep, back: str = "/schedules") -> RedirectResponse:
    from headwater.web.state import local_path

    dag = next((d for d in _dags(instance, location) if d.dag.dag_id == dag_id), None)
    paused = dag.is_paused if dag is not None else True
    schedule_service.set_dag_paused(instance, location, dag_id, paused=not paused)
    return RedirectResponse(local_path(back), status_code=303)
