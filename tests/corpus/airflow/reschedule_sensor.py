"""Long waits with ``mode="reschedule"``, as Airflow's sensor docs advise: the sensor gives its
worker slot back between pokes, so with one slot the task it waits for can run meanwhile."""

import os
import tempfile
from datetime import timedelta

from headwater.airflow import DAG, BashOperator, FileSensor

LANDING = os.path.join(tempfile.gettempdir(), "headwater_corpus_landing")
EXPORT = os.path.join(LANDING, "export_{{ run_id }}.csv")

with DAG("nightly_export", schedule=None, default_args={"retries": 1, "retry_delay": timedelta(seconds=0)}) as dag:
    wait = FileSensor(
        task_id="wait_for_export", filepath=EXPORT, mode="reschedule", poke_interval=0.05, timeout=timedelta(minutes=1)
    )
    export = BashOperator(
        task_id="export", bash_command=f"mkdir -p {LANDING} && echo id,total > {EXPORT} && echo exported"
    )
    load = BashOperator(task_id="load", bash_command=f"wc -l < {EXPORT} && rm {EXPORT}")
    wait >> load

MAX_CONCURRENCY = 1
EXPECTED = {
    "nightly_export": {
        "states": {"wait_for_export": "SUCCESS", "export": "SUCCESS", "load": "SUCCESS"},
        "outputs": {"export": "exported", "load": "1"},
        "attempts": {"wait_for_export": 1},
        "logs": {"wait_for_export": ["up for reschedule: runs again in 0.05s (attempt 1)"]},
    }
}
