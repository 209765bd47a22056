"""@task_group used twice, passing values in and out; labels on the edges after it."""

from headwater.airflow import EmptyOperator, Label, dag, task, task_group


@dag(schedule=None)
def feature_pipeline():
    @task
    def load(name: str) -> list[float]:
        return {"train": [1.0, 2.0, 3.0], "test": [4.0, 6.0]}[name]

    @task
    def scale(values: list[float]) -> list[float]:
        top = max(values)
        return [v / top for v in values]

    @task
    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4)

    @task_group
    def featurize(name: str):
        return mean(scale(load(name)))

    train, test = featurize("train"), featurize("test")
    done = EmptyOperator(task_id="done")
    train >> Label("train features") >> done
    test >> Label("test features") >> done


feature_pipeline()

EXPECTED = {
    "feature_pipeline": {
        "outputs": {"featurize.mean": 0.6667, "featurize__1.mean": 0.8333},
        "states": {"featurize.load": "SUCCESS", "featurize.scale": "SUCCESS", "featurize.mean": "SUCCESS",
                   "featurize__1.load": "SUCCESS", "featurize__1.scale": "SUCCESS", "featurize__1.mean": "SUCCESS",
                   "done": "SUCCESS"},
        "upstream": {"done": ["featurize.mean", "featurize__1.mean"]},
    }
}
