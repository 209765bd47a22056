"""Waiting with sensors: a file dropped by an upstream task, a condition, and a soft-failing timeout."""

import os
import tempfile

from headwater.airflow import FileSensor, PythonSensor, dag, task

DROP = os.path.join(tempfile.gettempdir(), "headwater_corpus_sensor_drop")


@dag(schedule=None, default_args={"retries": 0})
def wait_for_data():
    @task
    def drop_file() -> str:
        os.makedirs(DROP, exist_ok=True)
        path = os.path.join(DROP, "ready.flag")
        with open(path, "w") as handle:
            handle.write("ok")
        return path

    @task.sensor(poke_interval=0.05, timeout=30)
    def flag_is_written(path: str) -> bool:
        return os.path.getsize(path) > 0

    wait_file = FileSensor(task_id="wait_for_flag", filepath=os.path.join(DROP, "*.flag"), poke_interval=0.05, timeout=30)
    never = PythonSensor(task_id="wait_for_partner", python_callable=lambda: False, poke_interval=0.05, timeout=0.2,
                         soft_fail=True)

    @task(trigger_rule="none_failed")
    def process() -> str:
        return "processed"

    path = drop_file()
    path >> wait_file
    [flag_is_written(path), wait_file, never] >> process()


wait_for_data()

EXPECTED = {
    "wait_for_data": {
        "states": {"drop_file": "SUCCESS", "flag_is_written": "SUCCESS", "wait_for_flag": "SUCCESS",
                   "wait_for_partner": "SKIPPED", "process": "SUCCESS"},
        "outputs": {"process": "processed"},
    }
}
