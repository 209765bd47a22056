"""What a DAG compiles to: nodes, a job, a schedule; default_args; the errors Airflow users hit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from headwater.airflow import DAG, EmptyOperator, PythonOperator, chain, dag, days_ago, task
from headwater.definitions.jobs import DefaultScheduleStatus
from headwater.definitions.loading import collect
from headwater.errors import CycleError, DefinitionError, DuplicateKeyError


def noop() -> None:
    return None


def test_dag_compiles_to_task_nodes_a_job_and_a_schedule(load):
    location = load("airflow_classic")
    assert list(location.graph.order) == ["classic.make_frame", "classic.fit", "classic.check"]
    job = location.jobs["classic"]
    assert job.selection == ("classic.make_frame", "classic.fit", "classic.check")
    assert job.tags["dag_id"] == "classic"
    schedule = location.schedules["classic_schedule"]
    assert (schedule.cron_schedule, schedule.job_name, schedule.execution_timezone) == ("0 6 * * *", "classic", "UTC")
    assert schedule.default_status is DefaultScheduleStatus.STOPPED  # Airflow pauses new DAGs
    node = location.graph.nodes["classic.fit"]
    assert node.kind == "task" and node.options.group == "classic" and "ml" in node.options.tags
    assert node.options.cache is False
    assert node.deps == ("classic.make_frame",)


def test_default_args_apply_unless_the_task_sets_its_own():
    with DAG("d", default_args={"owner": "ana", "retries": 3, "retry_delay": timedelta(seconds=7),
                                "retry_exponential_backoff": True, "execution_timeout": timedelta(minutes=2),
                                "unknown_key": "kept"}) as d:
        a = PythonOperator(task_id="a", python_callable=noop)
        b = PythonOperator(task_id="b", python_callable=noop, retries=0, owner="bo")
    assert d.default_args["unknown_key"] == "kept"
    node_a, node_b = a.to_node(), b.to_node()
    assert node_a.options.retry.max_retries == 3 and node_a.options.retry.delay == 7.0
    assert node_a.options.retry.backoff == 2.0 and node_a.options.retry.jitter > 0
    assert node_a.options.timeout == 120.0 and node_a.options.owners == ("ana",)
    assert node_b.options.retry.max_retries == 0 and node_b.options.owners == ("bo",)


def test_airflow_defaults_when_nothing_is_set():
    with DAG("d"):
        a = EmptyOperator(task_id="a")
    assert (a.owner, a.retries, a.retry_delay, a.trigger_rule) == ("airflow", 0, timedelta(seconds=300), "all_success")


@pytest.mark.parametrize(
    ("schedule", "cron"),
    [
        ("@daily", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("*/5 * * * *", "*/5 * * * *"),
        (None, None),
        ("@continuous", None),
        # a timedelta is elapsed time from start_date (Airflow's DeltaDataIntervalTimetable)
        (timedelta(hours=6), "@every 21600s from 2024-01-01T10:30:00+00:00"),
        (timedelta(minutes=15), "@every 900s from 2024-01-01T10:30:00+00:00"),
        (timedelta(days=1), "@every 86400s from 2024-01-01T10:30:00+00:00"),
        (timedelta(days=7), "@every 604800s from 2024-01-01T10:30:00+00:00"),
        (timedelta(minutes=90), "@every 5400s from 2024-01-01T10:30:00+00:00"),
    ],
)
def test_schedules(schedule, cron):
    start = datetime(2024, 1, 1, 10, 30, tzinfo=UTC)  # a Monday
    with DAG("s", schedule=schedule, start_date=start) as d:
        EmptyOperator(task_id="t")
    schedules = collect([d]).schedules
    if cron is None:
        assert schedules == {}
    else:
        assert schedules["s_schedule"].cron_schedule == cron
        after = schedules["s_schedule"].next_tick(start)
        assert after > start


def test_at_once_is_one_tick_at_the_start_date_and_none_without_one():
    """Airflow's OnceTimetable: the run is at start_date (a naive one is UTC); no start_date, no run."""
    with DAG("o", schedule="@once", start_date=datetime(2024, 1, 1, 10, 30)) as d:
        EmptyOperator(task_id="t")
    with DAG("n", schedule="@once") as never:
        EmptyOperator(task_id="t")
    schedule = collect([d]).schedules["o_schedule"]
    start = datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    assert schedule.cron_schedule == "@once at 2024-01-01T10:30:00+00:00"
    assert schedule.next_tick(start - timedelta(days=1)) == start and schedule.next_tick(start) is None
    assert collect([never]).schedules == {}


def test_interval_schedule_ticks_every_interval_from_the_start_date():
    start = datetime(2024, 1, 1, 10, 30, tzinfo=UTC)
    with DAG("s", schedule=timedelta(minutes=90), start_date=start) as d:
        EmptyOperator(task_id="t")
    schedule = collect([d]).schedules["s_schedule"]
    assert schedule.next_tick(start) == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert schedule.next_tick(datetime(2024, 1, 1, 12, 1, tzinfo=UTC)) == datetime(2024, 1, 1, 13, 30, tzinfo=UTC)


def test_schedule_and_schedule_interval_together_is_an_error():
    with pytest.raises(DefinitionError, match="not both"):
        DAG("s", schedule="@daily", schedule_interval="@daily")


def test_relations_with_lists_chain_and_set_methods():
    with DAG("r") as d:
        a, b, c, e, f, g = (EmptyOperator(task_id=n) for n in "abcefg")
        a >> [b, c]
        [b, c] >> e
        f << e
        g.set_upstream(f)
    with DAG("ch") as d2:
        t = [EmptyOperator(task_id=f"t{i}") for i in range(6)]
        chain(t[0], [t[1], t[2]], [t[3], t[4]], t[5])
    assert b.upstream_task_ids == {"a"} and e.upstream_task_ids == {"b", "c"}
    assert f.upstream_task_ids == {"e"} and g.upstream_task_ids == {"f"}
    assert d.topological_task_ids()[0] == "a" and d.topological_task_ids()[-1] == "g"
    assert t[3].upstream_task_ids == {"t1"} and t[4].upstream_task_ids == {"t2"}
    assert t[5].upstream_task_ids == {"t3", "t4"}
    assert d2.leaves == [t[5]] and d2.roots == [t[0]]


def test_a_cycle_made_with_rshift_is_reported_with_task_ids(load):
    with pytest.raises(CycleError) as error:
        load("airflow_cycle")
    message = str(error.value)
    assert "cyclic" in message
    assert "extract >> transform >> load >> extract" in message


def test_duplicate_task_id_names_both_sites():
    with DAG("dup"):
        EmptyOperator(task_id="same")
        with pytest.raises(DuplicateKeyError) as error:
            EmptyOperator(task_id="same")
    assert str(error.value).count("test_definitions.py:") == 2


def test_a_task_outside_any_dag(load):
    with pytest.raises(DefinitionError, match="'orphan' .*is not in any DAG"):
        load("airflow_no_dag")
    a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
    with pytest.raises(DefinitionError, match="don't have DAGs yet"):
        a >> b


def test_python_callable_must_be_callable():
    with DAG("bad"), pytest.raises(DefinitionError, match="'load'.*must be callable.*str"):
        PythonOperator(task_id="load", python_callable="load_rows")


def test_unknown_operator_arguments_are_rejected_like_airflow():
    with DAG("bad"), pytest.raises(TypeError, match="Invalid arguments.*retires"):
        PythonOperator(task_id="t", python_callable=noop, retires=2)


def test_tasks_across_dags_cannot_be_linked():
    with DAG("one"):
        a = EmptyOperator(task_id="a")
    with DAG("two"):
        b = EmptyOperator(task_id="b")
    with pytest.raises(DefinitionError, match="more than one DAG"):
        a >> b


def test_an_unassigned_taskflow_dag_is_collected(load):
    location = load("airflow_taskflow")
    assert "mapped_flow" in location.jobs
    assert set(location.graph.nodes) == {"mapped_flow.numbers", "mapped_flow.double", "mapped_flow.total"}
    double = location.graph.nodes["mapped_flow.double"]
    assert dict(double.inputs) == {"x": "mapped_flow.numbers"}
    assert dict(location.graph.nodes["mapped_flow.total"].inputs) == {"values": "mapped_flow.double"}


def test_a_dag_reached_twice_is_one_set_of_nodes(load):
    location = load("airflow_mixed")  # mixed_dag is assigned and also registered
    assert set(location.graph.nodes) == {"raw_numbers", "mixed.summarize"}
    assert dict(location.graph.nodes["mixed.summarize"].inputs) == {"raw_numbers": "raw_numbers"}


def test_taskflow_repeated_calls_get_unique_task_ids_and_dag_params():
    @task
    def step(value):
        return value

    @dag(dag_id="params_flow", params={"a": 1})
    def flow(limit: int = 10):
        step(step(limit))

    built = flow()
    assert built.task_ids == ["step", "step__1"]
    assert built.params == {"a": 1, "limit": 10}
    assert step.function(3) == 3  # still the plain function


def test_days_ago_is_midnight_utc():
    value = days_ago(2)
    assert value.tzinfo is not None and (value.hour, value.minute) == (0, 0)
    assert (datetime.now(UTC) - value).days == 2


def test_the_airflow_door_exports_exactly_its_public_names():
    import types

    import headwater.airflow as door

    public = {n for n, v in vars(door).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert door.__all__ == sorted(door.__all__)
    assert set(door.__all__) == public
    assert {"DAG", "PythonOperator", "days_ago", "dag", "task", "get_current_context", "chain"} <= public
