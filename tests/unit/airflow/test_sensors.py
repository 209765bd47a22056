"""Sensors: poke until true, time out (failed, or skipped with soft_fail), files, time deltas, @task.sensor."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from headwater.airflow import (
    DAG,
    EmptyOperator,
    FileSensor,
    PokeReturnValue,
    PythonOperator,
    PythonSensor,
    TimeDeltaSensor,
    dag,
    task,
)
from headwater.errors import DefinitionError
from headwater.storage.records import StepStatus


def test_a_python_sensor_pokes_until_its_condition_holds(run_dag) -> None:
    pokes = []

    def ready() -> bool:
        pokes.append(time.monotonic())
        return len(pokes) >= 3

    with DAG("poking") as d:
        PythonSensor(task_id="wait", python_callable=ready, poke_interval=0.05, timeout=30) >> EmptyOperator(task_id="go")
    result = run_dag([d], "poking")
    assert result.success and len(pokes) == 3
    assert pokes[2] - pokes[0] >= 0.09  # it waited poke_interval between pokes


@pytest.mark.parametrize(("soft_fail", "status"), [(False, StepStatus.FAILURE), (True, StepStatus.SKIPPED)])
def test_a_sensor_past_its_timeout_fails_without_retries_or_skips_with_soft_fail(run_dag, soft_fail, status) -> None:
    with DAG("timing_out", default_args={"retries": 2, "retry_delay": 0}) as d:
        PythonSensor(task_id="never", python_callable=lambda: False, poke_interval=0.05, timeout=0.2,
                     soft_fail=soft_fail, mode="reschedule")
    record = run_dag([d], "timing_out").steps["timing_out.never"]
    assert (record.status, record.attempts) == (status, 1)
    text = record.error if status is StepStatus.FAILURE else record.reason
    assert "Sensor has timed out" in text and "exceeds the specified timeout of 0.2" in text


def test_a_file_sensor_waits_for_the_file(run_dag, tmp_path: Path) -> None:
    target = tmp_path / "incoming" / "data.csv"
    target.parent.mkdir()
    threading.Timer(0.3, target.write_text, args=("a,b\n",)).start()
    with DAG("files") as d:
        FileSensor(task_id="wait_for_file", filepath=str(tmp_path / "incoming" / "*.csv"), poke_interval=0.05, timeout=30)
    result = run_dag([d], "files")
    assert result.success and target.exists()


def test_a_time_delta_sensor_waits_after_the_data_interval_end(run_dag) -> None:
    with DAG("delta") as d:
        TimeDeltaSensor(task_id="past", delta=timedelta(seconds=0), poke_interval=0.05, timeout=5)
        TimeDeltaSensor(task_id="future", delta=timedelta(days=1), poke_interval=0.05, timeout=0.2, soft_fail=True)
    result = run_dag([d], "delta", tags={"logical_date": "2024-01-01T00:00:00+00:00"})
    assert result.steps["delta.past"].status is StepStatus.SUCCESS
    result = run_dag([d], "delta")  # logical date now: a day later has not come
    assert result.steps["delta.future"].status is StepStatus.SKIPPED


def test_task_sensor_decorator_returns_a_poke_value(run_dag) -> None:
    calls = []

    @task.sensor(poke_interval=0.05, timeout=10, mode="poke")
    def wait_for_upload() -> PokeReturnValue:
        calls.append(1)
        return PokeReturnValue(is_done=len(calls) == 2, xcom_value="s3://bucket/upload.parquet")

    @task
    def load(path: str) -> str:
        return f"loaded {path}"

    @dag(dag_id="sensing")
    def sensing():
        load(wait_for_upload())

    result = run_dag([sensing()], "sensing")
    assert result.output_for("sensing.load") == "loaded s3://bucket/upload.parquet"


def test_bad_sensor_arguments_are_refused() -> None:
    with DAG("bad_sensors"):
        with pytest.raises(DefinitionError, match="mode must be one of"):
            PythonSensor(task_id="a", python_callable=bool, mode="deferrable")
        with pytest.raises(DefinitionError, match="timeout must be a number of seconds >= 0"):
            PythonSensor(task_id="b", python_callable=bool, timeout=-1)
        with pytest.raises(DefinitionError, match="fs_conn_id='my_fs' is not supported yet"):
            FileSensor(task_id="c", filepath="x", fs_conn_id="my_fs")


@pytest.mark.parametrize(("mode", "status"), [("reschedule", StepStatus.SUCCESS), ("poke", StepStatus.FAILURE)])
def test_a_rescheduled_sensor_frees_its_slot_between_pokes(run_dag, instance, mode, status) -> None:
    """One slot: the sensor waits for a task that can only run while the sensor does not hold it.

    In reschedule mode the other task runs between pokes and the sensor then succeeds, in the
    same attempt; in poke mode the sensor keeps the slot and times out.
    """
    unblocked = threading.Event()

    def ready(task_reschedule_count) -> PokeReturnValue:
        return PokeReturnValue(unblocked.is_set(), xcom_value=task_reschedule_count)

    with DAG("one_slot") as d:
        PythonSensor(task_id="wait", python_callable=ready, poke_interval=0.05, timeout=1, mode=mode)
        PythonOperator(task_id="unblock", python_callable=unblocked.set)
    result = run_dag([d], "one_slot", max_concurrency=1)
    record = result.steps["one_slot.wait"]
    assert (record.status, record.attempts) == (status, 1), record.error
    if mode == "reschedule":
        assert result.output_for("one_slot.wait") >= 1  # how many times it was rescheduled
        logged = [line.text for line in instance.store.get_logs(result.run_id, "one_slot.wait")]
        assert any(line.startswith("up for reschedule: runs again in 0.05s (attempt 1)") for line in logged), logged


def test_a_rescheduled_sensor_times_out_from_its_first_start(run_dag) -> None:
    with DAG("reschedule_timeout") as d:
        PythonSensor(task_id="never", python_callable=lambda: False, poke_interval=0.05, timeout=0.3,
                     mode="reschedule", exponential_backoff=True, max_wait=0.1)
    started = time.monotonic()
    record = run_dag([d], "reschedule_timeout").steps["reschedule_timeout.never"]
    assert record.status is StepStatus.FAILURE and "Sensor has timed out" in record.error
    assert 0.3 <= time.monotonic() - started < 5
