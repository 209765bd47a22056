"""Retries that eventually succeed, AirflowFailException that stops retrying, and the callbacks."""


from headwater.airflow import AirflowFailException, DAG, PythonOperator



def flaky(ti):
    if ti.try_number < 3:
        raise TimeoutError(f"attempt {ti.try_number} timed out")
    return f"succeeded on try {ti.try_number}"


def validate():
    raise AirflowFailException("schema mismatch: column 'price' missing")


with DAG("retrying", schedule=None, default_args={"retries": 3, "retry_delay": 0}) as dag:
    PythonOperator(task_id="flaky_api", python_callable=flaky)
    PythonOperator(task_id="validate_schema", python_callable=validate)

EXPECTED = {
    "retrying": {
        "success": False,
        "states": {"flaky_api": "SUCCESS", "validate_schema": "FAILURE"},
        "attempts": {"flaky_api": 3, "validate_schema": 1},
        "outputs": {"flaky_api": "succeeded on try 3"},
    }
}
