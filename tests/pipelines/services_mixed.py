"""Both dialects in one location, for the query layer's tests.

    numbers ──> total ──> score        (score logs the metric "accuracy")
    DAG nightly:  extract >> load      (schedule "0 3 * * *", tags ["etl"])
    job fake_dag: tagged dag_id=fake_dag, but no DAG
"""

from headwater import DefaultScheduleStatus, RunContext, ScheduleDefinition, asset, define_asset_job
from headwater.airflow import DAG, PythonOperator, days_ago


@asset(cache=True)
def numbers() -> list[int]:
    return [1, 2, 3]


@asset(group="model", description="The sum.\n\nMore words.")
def total(numbers: list[int]) -> int:
    return sum(numbers)


@asset(group="model")
def score(context: RunContext, total: int) -> float:
    context.log.info("scoring")
    print("score printed")
    context.log_metric("accuracy", total / 10)
    return total / 10


model_job = define_asset_job("model_job", selection="group:model", description="Rebuild the model.")
fake_dag = define_asset_job("fake_dag", selection="numbers", tags={"dag_id": "fake_dag"})
hourly = ScheduleDefinition(
    name="hourly", cron_schedule="0 * * * *", job=model_job, default_status=DefaultScheduleStatus.RUNNING
)


def _extract():
    return 1


def _load():
    return 2


with DAG("nightly", schedule="0 3 * * *", start_date=days_ago(1), tags=["etl"], description="Nightly load."):
    PythonOperator(task_id="extract", python_callable=_extract) >> PythonOperator(
        task_id="load", python_callable=_load
    )
