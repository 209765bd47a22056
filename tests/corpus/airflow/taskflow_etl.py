"""The TaskFlow tutorial: return values flow between @task functions, multiple_outputs split a dict."""

import json

from headwater.airflow import dag, task


@dag(schedule=None, catchup=False, tags=["example"])
def taskflow_etl():
    @task()
    def extract() -> dict:
        return json.loads('{"1001": 301.27, "1002": 433.21, "1003": 502.22}')

    @task(multiple_outputs=True)
    def transform(order_data_dict: dict):
        return {"total_order_value": sum(order_data_dict.values()), "orders": len(order_data_dict)}

    @task()
    def load(total_order_value: float, orders: int) -> str:
        return f"{orders} orders, total {total_order_value:.2f}"

    summary = transform(extract())
    load(summary["total_order_value"], summary["orders"])


taskflow_etl()

EXPECTED = {
    "taskflow_etl": {
        "states": {"extract": "SUCCESS", "transform": "SUCCESS", "load": "SUCCESS"},
        "outputs": {"load": "3 orders, total 1236.70"},
    }
}
