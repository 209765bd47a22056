"""Two small DAGs passing values by XCom keys, for the stored-XCom tests.

``xcom_chain``::

    extract ──> transform ──> report        (report also pulls from extract, two levels up)

``report`` fails while the file named by ``dag_run.conf["break_file"]`` exists (a bug one
can fix by deleting it), and waits while ``conf["hold_file"]`` exists, after creating
``conf["started_file"]`` (so a test can kill the run while it is inside). The conf travels
with the run (its tags), so it reaches workers in other processes and re-executions.

``mapped_pushes``: ``square`` is mapped over [1, 2, 3] and each instance pushes a label;
``gather`` pulls the labels (one per map index) and the squares.
"""

import time
from pathlib import Path

from headwater.airflow import DAG, PythonOperator, get_current_context, task


def _flag(conf: dict, name: str) -> Path | None:
    value = conf.get(name)
    return Path(value) if value else None


def extract(ti):
    ti.xcom_push(key="rows", value=[1, 2, 3])
    ti.xcom_push(key="meta", value={"source": "fixture"})
    return "extracted"


def transform(ti):
    rows = ti.xcom_pull(task_ids="extract", key="rows")
    ti.xcom_push(key="doubled", value=[2 * row for row in rows])


def report(ti, dag_run):
    started, hold, broken = (_flag(dag_run.conf, f"{n}_file") for n in ("started", "hold", "break"))
    if started is not None:
        started.touch()
    while hold is not None and hold.exists():
        time.sleep(0.05)
    if broken is not None and broken.exists():
        raise RuntimeError("report is broken")
    doubled = ti.xcom_pull(task_ids="transform", key="doubled")
    meta = ti.xcom_pull(task_ids="extract", key="meta")
    total = sum(doubled)
    print(f"total: {total} from {meta['source']}")
    return total


with DAG(dag_id="xcom_chain", schedule=None, default_args={"retries": 0}) as chain_dag:
    first = PythonOperator(task_id="extract", python_callable=extract)
    second = PythonOperator(task_id="transform", python_callable=transform)
    third = PythonOperator(task_id="report", python_callable=report)
    first >> second >> third


@task
def square(x: int) -> int:
    get_current_context()["ti"].xcom_push(key="label", value=f"square of {x}")
    return x * x


@task
def gather(squares: list[int]) -> dict:
    ti = get_current_context()["ti"]
    return {
        "squares": list(squares),
        "labels": ti.xcom_pull(task_ids="square", key="label"),
        "second_label": ti.xcom_pull(task_ids="square", key="label", map_indexes=1),
    }


with DAG(dag_id="mapped_pushes", schedule=None) as mapped_dag:
    gather(square.expand(x=[1, 2, 3]))
