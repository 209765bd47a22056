"""Runs: the list with filters and cursor pages, one run with its steps, and its logs and
events from a cursor, live as server-sent events.

``GET /api/runs/{run_id}/stream`` follows a run: each new log line is an ``event: log``,
each run event an ``event: step`` (the page redraws its timeline on those), and ``event:
end`` closes the stream once the run has finished and everything is sent. The event id is
``LOGCURSOR:EVENTCURSOR``, so a browser that reconnects (``Last-Event-ID``) goes on where
it stopped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel

from headwater.services import logs as log_service
from headwater.services import runs as run_service
from headwater.storage.records import Run, RunStatus
from headwater.web.deps import InstanceDep, WebStateDep

__all__ = ["api", "pages"]

api = APIRouter(tags=["runs"])
pages = APIRouter()

#: how often a live stream looks for new lines (seconds)
POLL = 0.2


class RunPageOut(BaseModel):
    """One page of runs, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    runs: list[Run]
    next_cursor: str | None


StatusQuery = Annotated[list[RunStatus] | None, Query(description="Any of these statuses.")]
TagQuery = Annotated[list[str] | None, Query(description="KEY=VALUE; every one must hold.")]


def _query(
    status: list[RunStatus] | None, job: str | None, dag: str | None, tag: list[str] | None,
    since: datetime | None, until: datetime | None,
) -> run_service.RunQuery:
    tags: dict[str, str] = {}
    for item in tag or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise HTTPException(422, f"tag filter {item!r} is not KEY=VALUE")
        tags[name] = value
    return run_service.RunQuery(
        statuses=tuple(status or ()), job_name=job or None, dag_id=dag or None, tags=tags,
        created_after=_epoch(since), created_before=_epoch(until),
    )


def _epoch(when: datetime | None) -> float | None:
    if when is None:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _page(instance: InstanceDep, query: run_service.RunQuery, limit: int, cursor: str | None) -> run_service.RunPage:
    from headwater.errors import RunNotFound

    try:
        return run_service.list_runs(instance, query, limit=limit, cursor=cursor or None)
    except RunNotFound:
        raise HTTPException(404, f"no run {cursor!r} to page after") from None


@api.get("/runs", summary="Runs, newest first, with filters and cursor pages")
def list_runs(
    instance: InstanceDep,
    status: StatusQuery = None,
    job: str | None = None,
    dag: str | None = None,
    tag: TagQuery = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> RunPageOut:
    page = _page(instance, _query(status, job, dag, tag, since, until), limit, cursor)
    return RunPageOut(runs=list(page.runs), next_cursor=page.next_cursor)


@api.get("/runs/{run_id}", summary="One run with its steps, attempts, checks and materializations")
def run_detail(run_id: str, instance: InstanceDep) -> run_service.RunDetail:
    return run_service.run_detail(instance, run_id)


@api.get("/runs/{run_id}/logs", summary="A run's log lines after a cursor")
def run_logs(
    run_id: str, instance: InstanceDep, after_id: Annotated[int, Query(ge=0)] = 0, step: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> log_service.LogPage:
    run = run_service.find_run(instance, run_id)
    return log_service.run_logs(instance, run.run_id, step_key=step, after_id=after_id, limit=limit)


@api.get("/runs/{run_id}/events", summary="A run's events after a cursor")
def run_events(
    run_id: str, instance: InstanceDep, after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> log_service.EventPage:
    run = run_service.find_run(instance, run_id)
    return log_service.run_events(instance, run.run_id, after_id=after_id, limit=limit)


@api.post("/runs/{run_id}/cancel", summary="Cancel a run: a queued one at once; a started one stops its steps")
def cancel_run(run_id: str, instance: InstanceDep) -> Run:
    from headwater.services.cancel import cancel_run as cancel

    return cancel(instance, run_id)


@api.get(
    "/runs/{run_id}/stream",
    summary="Follow a run: its logs and events as server-sent events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "log, step and end events"}},
)
def stream_run(
    run_id: str, instance: InstanceDep, after_log: Annotated[int, Query(ge=0)] = 0,
    after_event: Annotated[int, Query(ge=0)] = 0, last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    run = run_service.find_run(instance, run_id)
    if last_event_id:
        log_part, _, event_part = last_event_id.partition(":")
        if log_part.isdigit() and event_part.isdigit():
            after_log, after_event = int(log_part), int(event_part)
    return StreamingResponse(
        _follow(instance, run.run_id, after_log, after_event),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _follow(instance: InstanceDep, run_id: str, log_cursor: int, event_cursor: int) -> AsyncIterator[str]:
    """The stream of a run, until it has finished and every line is sent."""
    while True:
        finished = run_service.find_run(instance, run_id).status.finished
        logs = await asyncio.to_thread(log_service.run_logs, instance, run_id, after_id=log_cursor, limit=500)
        events = await asyncio.to_thread(log_service.run_events, instance, run_id, after_id=event_cursor, limit=500)
        log_cursor, event_cursor = logs.cursor, events.cursor
        cursor = f"{log_cursor}:{event_cursor}"
        for entry in logs.entries:
            line = entry.line
            data = {"id": entry.id, "step": line.step_key, "stream": line.stream, "level": line.level,
                    "text": line.text, "timestamp": line.timestamp}
            yield f"id: {cursor}\nevent: log\ndata: {json.dumps(data)}\n\n"
        for event_entry in events.entries:
            event = event_entry.event
            data = {"id": event_entry.id, "kind": str(event.kind), "step": event.step_key, "message": event.message,
                    "timestamp": event.timestamp}
            yield f"id: {cursor}\nevent: step\ndata: {json.dumps(data)}\n\n"
        if finished and not logs.entries and not events.entries:
            status = run_service.find_run(instance, run_id).status
            yield f"id: {cursor}\nevent: end\ndata: {json.dumps({'status': str(status)})}\n\n"
            return
        if not logs.entries and not events.entries:
            yield ": waiting\n\n"  # a comment: keeps proxies from closing an idle stream
            await asyncio.sleep(POLL)


# -- pages -----------------------------------------------------------------------------------


@pages.get("/runs")
def runs_page(
    request: Request,
    state: WebStateDep,
    instance: InstanceDep,
    status: Annotated[list[str] | None, Query()] = None,
    job: str | None = None,
    dag: str | None = None,
    tag: TagQuery = None,
    since: Annotated[str | None, Query()] = None,
    until: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> HTMLResponse:
    start, end = _date(since, "since"), _date(until, "until")
    try:
        statuses = [run_service.parse_status(s) for s in status or [] if s]
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    page = _page(instance, _query(statuses, job, dag, [t for t in tag or [] if t], start, end), limit, cursor)
    filters = {"status": [str(s) for s in statuses], "job": job or "", "dag": dag or "", "tag": tag or [],
               "since": since or "", "until": until or ""}
    next_params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    if page.next_cursor:
        next_params.append(("cursor", page.next_cursor))
    from urllib.parse import urlencode

    return state.render(
        request, "runs.html", nav="runs", page=page, filters=filters, statuses=[s.value for s in RunStatus],
        next_url="/runs?" + urlencode(next_params) if page.next_cursor else None, first_page=cursor is None,
    )


def _date(text: str | None, name: str) -> datetime | None:
    """A date or date-time from a form field ("" is none)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, f"{name}={text!r} is not a date (2026-01-31 or 2026-01-31T06:00)") from None


@pages.get("/runs/{run_id}")
def run_page(run_id: str, request: Request, state: WebStateDep, instance: InstanceDep) -> HTMLResponse:
    detail = run_service.run_detail(instance, run_id)
    return state.render(request, "run.html", nav="runs", **_run_context(detail))


@pages.get("/runs/{run_id}/steps")
def run_steps_fragment(run_id: str, request: Request, state: WebStateDep, instance: InstanceDep) -> HTMLResponse:
    """The run's header and timeline alone: what the live page redraws."""
    detail = run_service.run_detail(instance, run_id)
    return state.render(request, "run_steps.html", **_run_context(detail))


def _run_context(detail: run_service.RunDetail) -> dict[str, Any]:
    import time

    from headwater.tracebacks import user_frames

    run = detail.run
    start = run.started_at or run.created_at
    end = run.ended_at or max([s.ended_at or s.started_at or start for s in detail.steps] + [time.time()])
    span = max(end - start, 1e-3)
    bars = []
    for step in detail.steps:
        if step.started_at is None:
            bars.append((step, 0.0, 0.0))
            continue
        left = (step.started_at - start) / span * 100
        width = ((step.ended_at or end) - step.started_at) / span * 100
        bars.append((step, max(0.0, left), max(0.3, min(width, 100.0))))
    errors = [(s, user_frames(s.traceback) if s.traceback else None) for s in detail.steps if str(s.status) == "FAILURE"]
    return {"detail": detail, "run": run, "bars": bars, "errors": errors, "finished": run.status.finished,
            "failed": run.status == RunStatus.FAILURE}
