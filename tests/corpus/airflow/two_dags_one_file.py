"""Two DAGs in one file that share task ids; each runs on its own."""

from headwater.airflow import DAG, PythonOperator

for name, factor in [("double_it", 2), ("triple_it", 3)]:
    with DAG(name, schedule=None, tags=["math"]) as dag:
        seed = PythonOperator(task_id="seed", python_callable=lambda: 7)
        scale = PythonOperator(
            task_id="scale", python_callable=lambda ti, f=factor: ti.xcom_pull(task_ids="seed") * f
        )
        seed >> scale
    globals()[name] = dag

EXPECTED = {
    "double_it": {"states": {"seed": "SUCCESS", "scale": "SUCCESS"}, "outputs": {"scale": 14}},
    "triple_it": {"states": {"seed": "SUCCESS", "scale": "SUCCESS"}, "outputs": {"scale": 21}},
}
