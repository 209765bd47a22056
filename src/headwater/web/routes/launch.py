"""Launching: the form (a job, a selection, or an Airflow DAG with conf) and its checks.

``POST /api/launch/check`` says what is wrong with a launch before it is queued: an
unknown job, a selection that names nothing, a run config its assets' ``Config`` classes
refuse, a ``conf`` that is not a JSON object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from headwater.services import checks, definitions, submit
from headwater.storage.records import Run
from headwater.web.deps import InstanceDep, LocationDep, WebStateDep

__all__ = ["LaunchRequest", "api", "pages"]

api = APIRouter(tags=["launch"])
pages = APIRouter()


class LaunchRequest(BaseModel):
    """What to run: exactly one of ``job``, ``selection`` and ``dag_id``."""

    job: str | None = Field(None, description="A job's name.")
    selection: str | None = Field(None, description="A selection: `*`, `name`, `+name`, `group:x`, ... (comma-separated).")
    dag_id: str | None = Field(None, description="An Airflow-dialect DAG to trigger.")
    run_config: dict[str, Any] | None = Field(None, description="Dagster run config: {ops: {ASSET: {config: {...}}}}.")
    run_config_text: str | None = Field(None, description="Or the run config as YAML or JSON text (as typed in a form).")
    conf: dict[str, Any] | None = Field(None, description="The DAG run's conf (Airflow's trigger with config).")
    logical_date: datetime | None = Field(None, description="The DAG run's logical date; now by default.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags for the run.")


class CheckOut(BaseModel):
    """Whether the launch would start, and if not, why."""

    ok: bool
    problems: list[str]


def run_config_of(request: LaunchRequest) -> dict[str, Any] | None:
    """The request's run config, from ``run_config`` or parsed from ``run_config_text``.

    Raises:
        RunConfigError: the text is not YAML or JSON holding a mapping, or both are given.
    """
    from headwater.errors import RunConfigError

    if request.run_config_text is None:
        return request.run_config
    if request.run_config is not None:
        raise RunConfigError("give run_config or run_config_text, not both")
    return checks.parse_run_config(request.run_config_text) or None


def launch_problems(location: LocationDep, request: LaunchRequest) -> list[str]:
    """What is wrong with ``request`` (as :func:`headwater.services.checks.check_launch` says)."""
    from headwater.errors import RunConfigError

    given = [name for name in ("job", "selection", "dag_id") if getattr(request, name)]
    if len(given) != 1:
        return ["give exactly one of job, selection and dag_id"]
    try:
        run_config = run_config_of(request)
    except RunConfigError as exc:
        return [str(exc)]
    if request.dag_id is not None:
        if request.dag_id not in location.dags:
            return [f"no DAG {request.dag_id!r} in {location.name}"]
        if run_config:
            return ["a DAG run takes conf, not run config"]
        return checks.check_launch(location, job=request.dag_id)
    if request.conf is not None or request.logical_date is not None:
        return ["conf and logical_date are for DAG runs (dag_id)"]
    return checks.check_launch(location, job=request.job, selection=request.selection, run_config=run_config)


@api.post("/launch/check", summary="Check a launch (job, selection or DAG, and its config) without queuing it")
def check(body: LaunchRequest, location: LocationDep) -> CheckOut:
    problems = launch_problems(location, body)
    return CheckOut(ok=not problems, problems=problems)


class ReexecuteRequest(BaseModel):
    """How to run a past run again."""

    from_failure: bool = Field(True, description="Only its failed and unfinished steps (else every step).")


@api.post("/runs", status_code=201, summary="Queue a run: a job, a selection, or a DAG with conf")
def launch_run(body: LaunchRequest, state: WebStateDep, instance: InstanceDep, location: LocationDep) -> Run:
    problems = launch_problems(location, body)
    if problems:
        raise HTTPException(400, "; ".join(problems))
    where = state.location_ref
    if body.dag_id is not None and state.config.dags_folder is not None:
        where = submit.LocationRef(file=location.dags[body.dag_id].fileloc, working_dir=where.working_dir)
    return submit.queue_launch(
        instance, where, job=body.job, selection=body.selection, dag_id=body.dag_id, run_config=run_config_of(body),
        conf=body.conf, logical_date=body.logical_date, tags=body.tags,
    )


@api.post("/runs/{run_id}/reexecute", status_code=201, summary="Queue a run again, from its failure by default")
def reexecute_run(run_id: str, body: ReexecuteRequest, state: WebStateDep, instance: InstanceDep) -> Run:
    return submit.queue_reexecution(instance, state.location_ref, run_id, from_failure=body.from_failure)


@pages.get("/launch")
def launch_page(
    request: Request, state: WebStateDep, location: LocationDep, job: str | None = None, dag: str | None = None,
    selection: str | None = None,
) -> HTMLResponse:
    jobs = [j for j in definitions.list_jobs(location) if j.dag_id is None]
    dags = definitions.list_dags(location)
    kind = "dag" if dag else "selection" if selection else "job" if jobs else ("dag" if dags else "selection")
    return state.render(
        request, "launch.html", nav="launch", jobs=jobs, dags=dags, kind=kind, chosen_job=job or "",
        chosen_dag=dag or "", selection=selection or "",
    )
