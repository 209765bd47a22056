"""@multi_asset with AssetOut: one function computes a train and a test set."""

import headwater as dg


@dg.asset
def iris_rows() -> list[tuple[float, str]]:
    return [(5.1, "setosa"), (7.0, "versicolor"), (6.3, "virginica"), (4.9, "setosa"), (6.4, "versicolor")]


@dg.multi_asset(
    outs={
        "training_rows": dg.AssetOut(group_name="ml", description="80 percent"),
        "test_rows": dg.AssetOut(group_name="ml", key_prefix="holdout"),
    }
)
def split_rows(iris_rows: list[tuple[float, str]]):
    cut = int(len(iris_rows) * 0.8)
    yield dg.Output(iris_rows[:cut], output_name="training_rows", metadata={"rows": cut})
    yield dg.Output(iris_rows[cut:], output_name="test_rows", metadata={"rows": len(iris_rows) - cut})


@dg.asset(group_name="ml")
def mean_length(training_rows: list[tuple[float, str]]) -> float:
    return round(sum(length for length, _ in training_rows) / len(training_rows), 3)


EXPECTED = {
    "status": "SUCCESS",
    "steps": {
        "iris_rows": "SUCCESS", "split_rows": "SUCCESS", "training_rows": "SUCCESS", "holdout/test_rows": "SUCCESS",
        "mean_length": "SUCCESS",
    },
    "outputs": {"mean_length": 5.825, "holdout/test_rows": [(6.4, "versicolor")]},
    "metadata": {"training_rows": {"rows": 4}, "holdout/test_rows": {"rows": 1}},
}
