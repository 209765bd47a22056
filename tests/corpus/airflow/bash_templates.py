"""BashOperator with templates, a script file rendered from the DAG folder, and exit code 99 skipping."""

from headwater.airflow import DAG, BashOperator

with DAG("bash_things", schedule="@daily", params={"region": "eu"}) as dag:
    date = BashOperator(task_id="print_date", bash_command="echo {{ ds_nodash }}")
    script = BashOperator(task_id="run_script", bash_command="scripts/report.sh", env={"REGION": "{{ params.region }}"})
    skip = BashOperator(task_id="nothing_to_do", bash_command="echo checking; exit 99")
    after_skip = BashOperator(task_id="after_skip", bash_command="echo never")
    date >> script
    skip >> after_skip

TAGS = {"logical_date": "2024-01-15T00:00:00+00:00"}
EXPECTED = {
    "bash_things": {
        "states": {"print_date": "SUCCESS", "run_script": "SUCCESS", "nothing_to_do": "SKIPPED", "after_skip": "SKIPPED"},
        "outputs": {"print_date": "20240115", "run_script": "report for 2024-01-15 in eu"},
    }
}
