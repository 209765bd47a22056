"""An Airflow task whose id has a space."""

from headwater.airflow import DAG, PythonOperator


def extract() -> int:
    return 1


with DAG("etl") as dag:
    PythonOperator(task_id="extract all", python_callable=extract)
