"""A failing task, a cleanup that always runs, and a watcher that reports the failure."""

from headwater.airflow import DAG, PythonOperator, TriggerRule


def load_partition():
    raise ConnectionError("warehouse unreachable")


with DAG("with_cleanup", schedule=None, default_args={"retries": 0}) as dag:
    create = PythonOperator(task_id="create_cluster", python_callable=lambda: "cluster-1")
    load = PythonOperator(task_id="load_partition", python_callable=load_partition)
    publish = PythonOperator(task_id="publish", python_callable=lambda: "published")
    delete = PythonOperator(task_id="delete_cluster", python_callable=lambda: "deleted",
                            trigger_rule=TriggerRule.ALL_DONE)
    watcher = PythonOperator(task_id="alert", python_callable=lambda: "paged on-call",
                             trigger_rule=TriggerRule.ONE_FAILED)
    create >> load >> publish >> delete
    [load, publish] >> watcher

EXPECTED = {
    "with_cleanup": {
        "success": False,
        "states": {"create_cluster": "SUCCESS", "load_partition": "FAILURE", "publish": "UPSTREAM_FAILED",
                   "delete_cluster": "SUCCESS", "alert": "SUCCESS"},
        "outputs": {"delete_cluster": "deleted", "alert": "paged on-call"},
    }
}
