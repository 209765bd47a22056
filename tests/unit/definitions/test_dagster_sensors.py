"""@schedule, @sensor and @asset_sensor: defined, collected, callable, and what a tick amounts to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from headwater import (
    AssetEvent,
    AssetSelection,
    Definitions,
    RunConfig,
    RunRequest,
    ScheduleDefinition,
    SkipReason,
    asset,
    asset_sensor,
    build_schedule_context,
    build_sensor_context,
    define_asset_job,
    materialize,
    schedule,
    sensor,
)
from headwater.definitions.loading import collect
from headwater.definitions.selection import resolve_selection
from headwater.errors import DefinitionError, NotSupportedError, UserCodeError
from headwater.execution.observer import NullObserver
from headwater.execution.ticks import evaluate_schedule, evaluate_sensor


@asset
def orders() -> list[int]:
    return [1, 2]


orders_job = define_asset_job("orders_job", selection=[orders])


@schedule(cron_schedule="0 6 * * 1-5", job=orders_job, execution_timezone="Europe/Paris")
def weekday_orders(context):  # noqa: ANN001, ANN201
    """Orders on weekdays, with the date as a tag."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return RunRequest(run_key=day, tags={"date": day})


@schedule(cron_schedule="@daily", job=orders_job)
def config_only(context):  # noqa: ANN001, ANN201
    return {"ops": {}}


@sensor(job=orders_job, minimum_interval_seconds=60)
def new_files(context):  # noqa: ANN001, ANN201
    """Watch the inbox."""
    files = ["a.csv", "b.csv", "c.csv"]
    fresh = [name for name in files if name > (context.cursor or "")]
    if not fresh:
        return SkipReason("no new files")
    context.update_cursor(fresh[-1])
    return [RunRequest(run_key=name) for name in fresh]


@asset_sensor(asset_key="orders", job=orders_job)
def orders_updated(context, asset_event: AssetEvent):  # noqa: ANN001, ANN201
    return RunRequest(run_key=f"{asset_event.dagster_event.asset_key.to_user_string()}-{asset_event.run_id}")


def test_decorated_schedules_are_schedule_definitions_and_callable() -> None:
    assert isinstance(weekday_orders, ScheduleDefinition)
    assert weekday_orders.cron_schedule == "0 6 * * 1-5" and weekday_orders.job_name == "orders_job"
    assert weekday_orders.description == "Orders on weekdays, with the date as a tag."
    when = datetime(2024, 3, 4, 6, tzinfo=UTC)
    request = weekday_orders(build_schedule_context(scheduled_execution_time=when))
    assert request == RunRequest(run_key="2024-03-04", tags={"date": "2024-03-04"})


def test_a_schedule_tick() -> None:
    tick = evaluate_schedule(weekday_orders, build_schedule_context(datetime(2024, 3, 4, tzinfo=UTC)))
    assert [(r.run_key, r.job_name, dict(r.tags)) for r in tick.run_requests] == [
        ("2024-03-04", "orders_job", {"date": "2024-03-04"})
    ]
    assert evaluate_schedule(config_only, build_schedule_context()).run_requests[0].run_config == {"ops": {}}
    plain = ScheduleDefinition(job=orders_job, cron_schedule="@hourly", run_config=RunConfig(ops={}))
    assert evaluate_schedule(plain, build_schedule_context()).run_requests[0].run_config == RunConfig(ops={})


def test_sensor_ticks_move_the_cursor() -> None:
    context = build_sensor_context()
    first = evaluate_sensor(new_files, context)
    assert [r.run_key for r in first.run_requests] == ["a.csv", "b.csv", "c.csv"] and first.cursor == "c.csv"
    second = evaluate_sensor(new_files, build_sensor_context(cursor=first.cursor))
    assert second.run_requests == [] and second.skip_message == "no new files" and second.cursor == "c.csv"
    assert new_files(build_sensor_context(cursor="b.csv")) == [RunRequest(run_key="c.csv")]


def test_an_asset_sensor_fires_once_per_new_materialization(instance) -> None:
    empty = evaluate_sensor(orders_updated, build_sensor_context(), instance.store)
    assert empty.skip_message == "no new materialization of 'orders'"
    run = materialize([orders], instance=instance, observer=NullObserver())
    tick = evaluate_sensor(orders_updated, build_sensor_context(), instance.store)
    assert [r.run_key for r in tick.run_requests] == [f"orders-{run.run_id}"]
    again = evaluate_sensor(orders_updated, build_sensor_context(cursor=tick.cursor), instance.store)
    assert again.run_requests == [] and again.cursor == tick.cursor


def test_a_raising_sensor_fails_its_tick_clearly() -> None:
    @sensor(job=orders_job)
    def broken(context):  # noqa: ANN001, ANN201
        raise OSError("inbox unreachable")

    with pytest.raises(UserCodeError, match="'broken' raised OSError: inbox unreachable"):
        evaluate_sensor(broken, build_sensor_context())


def test_sensors_are_collected_with_their_jobs() -> None:
    location = collect([Definitions(assets=[orders], schedules=[weekday_orders], sensors=[new_files, orders_updated])])
    assert set(location.sensors) == {"new_files", "orders_updated"}
    assert location.sensors["orders_updated"].kind == "asset sensor"
    assert "orders_job" in location.jobs and "weekday_orders" in location.schedules


def test_definition_errors() -> None:
    @sensor(job_name="nope")
    def lost(context):  # noqa: ANN001, ANN201
        return None

    with pytest.raises(DefinitionError, match="sensor 'lost' runs job 'nope', which is not defined"):
        collect([orders, lost])
    with pytest.raises(DefinitionError, match="minimum_interval_seconds"):
        sensor(job=orders_job, minimum_interval_seconds=0)(lambda context: None)
    assert dict(RunRequest(partition_key="2024-01-01").tags) == {"dagster/partition": "2024-01-01"}
    with pytest.raises(TypeError, match="has no function to call"):
        ScheduleDefinition(job=orders_job, cron_schedule="@daily")(build_schedule_context())


def test_schedule_functions_for_config_tags_and_whether_to_run() -> None:
    """Dagster's ``run_config_fn``, ``tags_fn`` and ``should_execute``, called with each tick's context."""
    weekdays = ScheduleDefinition(
        name="weekday_report", job=orders_job, cron_schedule="0 7 * * *",
        run_config_fn=lambda context: {"ops": {"orders": {"config": {"day": f"{context.scheduled_execution_time:%a}"}}}},
        tags_fn=lambda context: {"day": f"{context.scheduled_execution_time:%Y-%m-%d}"},
        should_execute=lambda context: context.scheduled_execution_time.weekday() < 5,
    )
    monday = evaluate_schedule(weekdays, build_schedule_context(datetime(2024, 3, 4, 7, tzinfo=UTC)))
    [request] = monday.run_requests
    assert (request.run_config, dict(request.tags), request.job_name) == (
        {"ops": {"orders": {"config": {"day": "Mon"}}}}, {"day": "2024-03-04"}, "orders_job"
    )
    saturday = evaluate_schedule(weekdays, build_schedule_context(datetime(2024, 3, 9, 7, tzinfo=UTC)))
    assert saturday.run_requests == [] and saturday.skip_message == "should_execute function for weekday_report returned false."
    for wrong, message in [
        ({"run_config": {}, "run_config_fn": lambda c: {}}, "give run_config or run_config_fn, not both"),
        ({"tags": {"a": "b"}, "tags_fn": lambda c: {}}, "give tags or tags_fn, not both"),
        ({"execution_fn": lambda c: None, "tags_fn": lambda c: {}}, "give execution_fn, or run_config_fn"),
        ({"run_config_fn": {"ops": {}}}, "run_config_fn must be a function"),
    ]:
        with pytest.raises(DefinitionError, match=message):
            ScheduleDefinition(job=orders_job, cron_schedule="@daily", **wrong)


def test_a_sensor_with_an_asset_selection_runs_those_assets_through_a_job_of_its_own() -> None:
    @asset
    def report(orders: list[int]) -> int:
        return sum(orders)

    @sensor(asset_selection=[report], minimum_interval_seconds=30)
    def orders_changed(context):  # noqa: ANN001, ANN201
        return RunRequest(run_key="r1")

    location = collect([orders, report, orders_changed])
    job = location.job("__anonymous_asset_job_orders_changed")
    assert resolve_selection(location.graph, job.selection) == ("report",)
    [request] = evaluate_sensor(orders_changed, build_sensor_context()).run_requests
    assert request.job_name == "__anonymous_asset_job_orders_changed"
    with pytest.raises(DefinitionError, match="give one of job, job_name, asset_selection or target, not job and asset"):
        sensor(job=orders_job, asset_selection=[report])


def test_target_is_a_job_or_assets_for_schedules_and_sensors() -> None:
    """Dagster's ``target=``: a job, or assets that get a job of their own."""
    @asset
    def summary(orders: list[int]) -> int:
        return len(orders)

    nightly = ScheduleDefinition(name="nightly", cron_schedule="@daily", target=AssetSelection.keys("summary"))
    on_job = ScheduleDefinition(cron_schedule="@hourly", target=orders_job)

    @schedule(cron_schedule="0 9 * * *", target=summary, should_execute=lambda context: False)
    def morning(context):  # noqa: ANN001, ANN201
        return RunRequest()

    @sensor(target="summary")
    def poll(context):  # noqa: ANN001, ANN201
        return RunRequest()

    location = collect([orders, summary, nightly, on_job, morning, poll])
    for owner, job_name in [(nightly, "__anonymous_asset_job_nightly"), (morning, "__anonymous_asset_job_morning"),
                            (poll, "__anonymous_asset_job_poll"), (on_job, "orders_job")]:
        assert owner.job_name == job_name
        expected = ("orders",) if job_name == "orders_job" else ("summary",)
        assert resolve_selection(location.graph, location.job(job_name).selection) == expected
    assert evaluate_schedule(morning, build_schedule_context()).skip_message == (
        "should_execute function for morning returned false."
    )
    with pytest.raises(DefinitionError, match="a target of assets needs name="):
        ScheduleDefinition(cron_schedule="@daily", target=[summary])
    with pytest.raises(DefinitionError, match="give target or job"):
        ScheduleDefinition(name="both", cron_schedule="@daily", target=[summary], job=orders_job)


def test_a_sensor_over_several_jobs_names_one_in_each_run_request() -> None:
    refunds_job = define_asset_job("refunds_job", selection=[orders])

    @sensor(jobs=[orders_job, refunds_job])
    def router(context):  # noqa: ANN001, ANN201
        return [RunRequest(run_key="o", job_name="orders_job"), RunRequest(run_key="r", job_name="refunds_job")]

    @sensor(jobs=[orders_job, refunds_job])
    def unnamed(context):  # noqa: ANN001, ANN201
        return RunRequest(run_key="x")

    location = collect([orders, router, unnamed])
    assert {"orders_job", "refunds_job"} <= set(location.jobs)
    tick = evaluate_sensor(router, build_sensor_context())
    assert [(r.run_key, r.job_name) for r in tick.run_requests] == [("o", "orders_job"), ("r", "refunds_job")]
    with pytest.raises(UserCodeError, match=r"targets several jobs \['orders_job', 'refunds_job'\]: a RunRequest must name"):
        evaluate_sensor(unnamed, build_sensor_context())
    assert sensor(jobs=[orders_job])(lambda context: None).job_name == "orders_job"
