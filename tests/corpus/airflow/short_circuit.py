"""ShortCircuitOperator and @task.short_circuit: a False condition skips what follows."""

from headwater.airflow import DAG, EmptyOperator, ShortCircuitOperator, task

with DAG("short_circuits", schedule=None) as dag:
    cond_true = ShortCircuitOperator(task_id="condition_is_true", python_callable=lambda: True)
    cond_false = ShortCircuitOperator(task_id="condition_is_false", python_callable=lambda: False)
    true_1, true_2 = EmptyOperator(task_id="true_1"), EmptyOperator(task_id="true_2")
    false_1, false_2 = EmptyOperator(task_id="false_1"), EmptyOperator(task_id="false_2")
    cond_true >> true_1 >> true_2
    cond_false >> false_1 >> false_2

    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def has_new_data() -> int:
        return 0

    skipped = EmptyOperator(task_id="process_new_data")
    always_report = EmptyOperator(task_id="report", trigger_rule="all_done")
    has_new_data() >> skipped >> always_report

EXPECTED = {
    "short_circuits": {
        "states": {"condition_is_true": "SUCCESS", "condition_is_false": "SUCCESS", "true_1": "SUCCESS",
                   "true_2": "SUCCESS", "false_1": "SKIPPED", "false_2": "SKIPPED", "has_new_data": "SUCCESS",
                   "process_new_data": "SKIPPED", "report": "SUCCESS"},
        "outputs": {"condition_is_true": True, "has_new_data": 0},
    }
}
