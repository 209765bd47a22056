"""A classic DAG whose tasks pass a DataFrame and a fitted model through XCom.

    make_frame >> fit >> check
"""

from datetime import timedelta

import pandas as pd
from sklearn.linear_model import LogisticRegression

from headwater.airflow import DAG, PythonOperator, days_ago


def make_frame(ti, ds):
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 0, 1, 1]})
    ti.xcom_push(key="frame", value=frame)
    return ds


def fit(ti):
    frame = ti.xcom_pull(task_ids="make_frame", key="frame")
    model = LogisticRegression().fit(frame[["x"]], frame["y"])
    ti.xcom_push(key="model", value=model)
    return {"rows": len(frame)}


def check(ti, **context):
    model = ti.xcom_pull(task_ids="fit", key="model")
    frame = ti.xcom_pull(task_ids="make_frame", key="frame")  # an ancestor, not a direct upstream
    return {
        "predictions": [int(p) for p in model.predict(frame[["x"]])],
        "model_type": type(model).__name__,
        "both": ti.xcom_pull(task_ids=["make_frame", "fit"]),
        "never_pushed": ti.xcom_pull(task_ids="fit", key="nothing"),
        "ds_matches": context["ds"] == ti.xcom_pull(task_ids="make_frame"),
    }


with DAG(
    "classic",
    schedule="0 6 * * *",
    start_date=days_ago(1),
    default_args={"owner": "data", "retries": 2, "retry_delay": timedelta(seconds=0), "team": "kept"},
    tags=["ml"],
) as dag:
    frame_task = PythonOperator(task_id="make_frame", python_callable=make_frame)
    fit_task = PythonOperator(task_id="fit", python_callable=fit, retries=0)
    check_task = PythonOperator(task_id="check", python_callable=check)
    frame_task >> fit_task >> check_task
