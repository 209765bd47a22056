"""The Iris pipeline: load, preprocess, train, evaluate, as four assets.

Run it::

    headwater materialize -f examples/iris_pipeline.py

::

    iris_raw ──> iris_features ──> trained_model ──> model_accuracy
                       └──────────────────────────────────┘

``trained_model`` is the fitted estimator alone (stored with skops); ``model_accuracy``
re-creates the same held-out split from ``iris_features`` (same ``random_state``) to
score it, so no step passes a bundle of arrays around.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from headwater import DefaultScheduleStatus, Output, RunContext, ScheduleDefinition, asset, define_asset_job

TEST_SIZE = 0.2
RANDOM_STATE = 42


def _split(features: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """The train/test split both the trainer and the evaluator use (same seed, same rows)."""
    x = features.drop(columns=["target"])
    y = features["target"]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=TEST_SIZE, random_state=RANDOM_STATE)
    return x_train, x_test, y_train, y_test


@asset(group="iris")
def iris_raw() -> pd.DataFrame:
    """The 150 Iris flowers: four measurements and the species as `target`."""
    frame = load_iris(as_frame=True).frame
    print(f"loaded {len(frame)} rows, {frame.shape[1] - 1} features")
    return frame


@asset(group="iris")
def iris_features(iris_raw: pd.DataFrame) -> pd.DataFrame:
    """The measurements scaled to zero mean and unit variance; `target` kept as is."""
    columns = [c for c in iris_raw.columns if c != "target"]
    scaled = pd.DataFrame(StandardScaler().fit_transform(iris_raw[columns]), columns=columns, index=iris_raw.index)
    scaled["target"] = iris_raw["target"]
    print(f"scaled {len(columns)} feature columns")
    return scaled


@asset(group="iris")
def trained_model(context: RunContext, iris_features: pd.DataFrame) -> LogisticRegression:
    """A logistic regression fitted on 80% of the flowers."""
    x_train, _, y_train, _ = _split(iris_features)
    context.log.info("fitting LogisticRegression on %d rows", len(x_train))
    model = LogisticRegression(max_iter=200).fit(x_train, y_train)
    print(f"trained on {len(x_train)} rows")
    return model


@asset(group="iris")
def model_accuracy(context: RunContext, trained_model: LogisticRegression, iris_features: pd.DataFrame) -> Output[float]:
    """The model's accuracy on the 20% of flowers it never saw."""
    _, x_test, _, y_test = _split(iris_features)
    accuracy = float(accuracy_score(y_test, trained_model.predict(x_test)))
    context.log_metric("accuracy", accuracy)
    print(f"accuracy: {accuracy:.4f}")
    return Output(accuracy, metadata={"accuracy": accuracy, "test_rows": len(x_test)})


iris_ml_pipeline = define_asset_job("iris_ml_pipeline", selection="*", description="Load, preprocess, train, evaluate.")

iris_daily = ScheduleDefinition(
    job=iris_ml_pipeline,
    cron_schedule="@daily",
    name="iris_daily",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
)
