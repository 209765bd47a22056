"""A one-task Airflow-dialect DAG that prints its ``dag_run.conf``."""

from headwater.airflow import DAG, PythonOperator


def hello(**context):
    print("conf", context["dag_run"].conf)


with DAG("greet", schedule=None) as dag:
    PythonOperator(task_id="hello", python_callable=hello)
