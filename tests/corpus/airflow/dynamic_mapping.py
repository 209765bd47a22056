"""Dynamic task mapping: a classic operator expanded over another task's output, and TaskFlow expand."""

from headwater.airflow import DAG, BashOperator, PythonOperator, task

with DAG("mapping_tutorial", schedule=None) as dag:
    files = PythonOperator(task_id="list_files", python_callable=lambda: ["a.csv", "b.csv", "c.csv"])
    commands = PythonOperator(
        task_id="commands", python_callable=lambda ti: [f"echo processing {f}" for f in ti.xcom_pull(task_ids="list_files")]
    )
    process = BashOperator.partial(task_id="process", retries=0).expand(bash_command=commands.output)
    files >> commands

    @task
    def size_of(name: str) -> int:
        return len(name) * 10

    @task
    def total(sizes) -> int:
        return sum(sizes)

    total(size_of.expand(name=files.output))

EXPECTED = {
    "mapping_tutorial": {
        "states": {"list_files": "SUCCESS", "commands": "SUCCESS", "process": "SUCCESS", "size_of": "SUCCESS",
                   "total": "SUCCESS"},
        "outputs": {"process": ["processing a.csv", "processing b.csv", "processing c.csv"], "total": 150},
        "upstream": {"process": ["commands"], "size_of": ["list_files"]},
    }
}
