"""The classic tutorial: extract, transform, load with XComs pulled by the next task."""

import json

from headwater.airflow import DAG, PythonOperator, days_ago

default_args = {"owner": "data", "retries": 1, "retry_delay": 0}


def extract(**kwargs):
    ti = kwargs["ti"]
    ti.xcom_push("order_data", '{"1001": 301.27, "1002": 433.21, "1003": 502.22}')


def transform(**kwargs):
    ti = kwargs["ti"]
    orders = json.loads(ti.xcom_pull(task_ids="extract", key="order_data"))
    ti.xcom_push("total_order_value", json.dumps({"total_order_value": round(sum(orders.values()), 2)}))


def load(**kwargs):
    total = json.loads(kwargs["ti"].xcom_pull(task_ids="transform", key="total_order_value"))
    print(f"Total order value is: {total['total_order_value']:.2f}")
    return total["total_order_value"]


with DAG("tutorial_etl", default_args=default_args, schedule=None, start_date=days_ago(2), tags=["example"]) as dag:
    extract_task = PythonOperator(task_id="extract", python_callable=extract)
    transform_task = PythonOperator(task_id="transform", python_callable=transform)
    load_task = PythonOperator(task_id="load", python_callable=load)
    extract_task >> transform_task >> load_task

EXPECTED = {
    "tutorial_etl": {
        "states": {"extract": "SUCCESS", "transform": "SUCCESS", "load": "SUCCESS"},
        "outputs": {"load": 1236.7},
        "logs": {"load": ["Total order value is: 1236.70"]},
    }
}
