"""A task created outside any DAG, at top level."""

from headwater.airflow import PythonOperator

orphan = PythonOperator(task_id="orphan", python_callable=print)
