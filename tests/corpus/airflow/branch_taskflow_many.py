"""@task.branch returning several task ids; the unchosen one is skipped, and so is what follows it."""

from headwater.airflow import EmptyOperator, dag, task


@dag(schedule=None)
def train_models():
    @task
    def dataset_size() -> int:
        return 50_000

    @task.branch
    def pick_models(rows: int) -> list[str]:
        chosen = ["train_linear"]
        if rows > 10_000:
            chosen.append("train_forest")
        return chosen

    @task
    def train_linear() -> float:
        return 0.81

    @task
    def train_forest() -> float:
        return 0.88

    @task
    def train_tiny() -> float:
        return 0.5

    @task(trigger_rule="none_failed_min_one_success")
    def best(ti=None) -> float:
        scores = [s for s in ti.xcom_pull(task_ids=["train_linear", "train_forest", "train_tiny"]) if s is not None]
        return max(scores)

    tiny = train_tiny()
    after_tiny = EmptyOperator(task_id="evaluate_tiny")
    branch = pick_models(dataset_size())
    branch >> [train_linear(), train_forest(), tiny] >> best()
    tiny >> after_tiny


train_models()

EXPECTED = {
    "train_models": {
        "states": {"dataset_size": "SUCCESS", "pick_models": "SUCCESS", "train_linear": "SUCCESS",
                   "train_forest": "SUCCESS", "train_tiny": "SKIPPED", "evaluate_tiny": "SKIPPED", "best": "SUCCESS"},
        "outputs": {"best": 0.88, "pick_models": ["train_linear", "train_forest"]},
    }
}
