"""The Iris DAG in classic Airflow style: four PythonOperators, ``>>`` and XCom.

Run it::

    headwater dags test iris_classic -f examples/airflow_iris_dag.py

::

    load_iris >> preprocess >> train >> evaluate

This file is an ordinary Airflow DAG; only the import of ``DAG``, ``PythonOperator`` and
``days_ago`` changed (from ``airflow...`` to ``headwater.airflow``). What Airflow cannot do
is what ``train`` does: it pushes the *fitted model itself* (and the test split, as
DataFrames) through XCom. Airflow's XCom refuses it ("Cannot serialize object of type
LogisticRegression"); here XComs are kept in the artifact store with the same serializers
as assets (the model with skops, frames as Parquet), at whatever size.
"""

from __future__ import annotations

from datetime import timedelta

from headwater.airflow import DAG, PythonOperator, days_ago

default_args = {
    "owner": "ml-team",
    "retries": 1,
    "retry_delay": timedelta(seconds=5),
}


def load_iris_data(**context):
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame  # four measurements and the species as `target`
    print(f"loaded {len(frame)} rows, {frame.shape[1] - 1} features")
    return frame


def preprocess(ti, **context):
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    raw = ti.xcom_pull(task_ids="load_iris")
    columns = [c for c in raw.columns if c != "target"]
    scaled = pd.DataFrame(StandardScaler().fit_transform(raw[columns]), columns=columns, index=raw.index)
    scaled["target"] = raw["target"]
    print(f"scaled {len(columns)} feature columns")
    return scaled


def train(ti, **context):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    features = ti.xcom_pull(task_ids="preprocess")
    x, y = features.drop(columns=["target"]), features["target"]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)
    model = LogisticRegression(max_iter=200).fit(x_train, y_train)
    print(f"trained on {len(x_train)} rows")
    ti.xcom_push(key="model", value=model)  # the fitted estimator itself
    ti.xcom_push(key="test_data", value=(x_test, y_test.to_frame()))


def evaluate(ti, **context):
    from sklearn.metrics import accuracy_score

    model = ti.xcom_pull(task_ids="train", key="model")
    x_test, y_test = ti.xcom_pull(task_ids="train", key="test_data")
    accuracy = float(accuracy_score(y_test["target"], model.predict(x_test)))
    print(f"accuracy: {accuracy:.4f}")
    return accuracy


with DAG(
    dag_id="iris_classic",
    description="Load, preprocess, train and evaluate on Iris, passing the model by XCom.",
    default_args=default_args,
    schedule="@daily",
    start_date=days_ago(1),
    catchup=False,
    tags=["ml", "iris"],
) as dag:
    load_task = PythonOperator(task_id="load_iris", python_callable=load_iris_data)
    preprocess_task = PythonOperator(task_id="preprocess", python_callable=preprocess)
    train_task = PythonOperator(task_id="train", python_callable=train)
    evaluate_task = PythonOperator(task_id="evaluate", python_callable=evaluate)

    load_task >> preprocess_task >> train_task >> evaluate_task
