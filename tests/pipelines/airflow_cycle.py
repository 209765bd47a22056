"""A DAG whose >> relations form a cycle: extract >> transform >> load >> extract."""

from headwater.airflow import DAG, EmptyOperator

with DAG("cyclic") as dag:
    extract = EmptyOperator(task_id="extract")
    transform = EmptyOperator(task_id="transform")
    load = EmptyOperator(task_id="load")
    extract >> transform >> load >> extract
