"""Params with defaults, a @dag function's parameters, and the template context in a task."""

from headwater.airflow import Param, dag, task


@dag(schedule=None, params={"threshold": Param(0.5, type="number")})
def scoring(model_name: str = "baseline"):
    @task
    def score(model_name: str, params=None, ds=None, run_id=None) -> str:
        return f"{model_name} scored above {params['threshold']} on {ds}"

    @task
    def context_keys(**context) -> list[str]:
        wanted = ["ds", "ds_nodash", "ts", "logical_date", "dag_run", "task_instance_key_str", "run_id", "macros"]
        return [k for k in wanted if k in context]

    score(model_name)
    context_keys()


scoring()

TAGS = {"logical_date": "2024-07-04T00:00:00+00:00"}
EXPECTED = {
    "scoring": {
        "states": {"score": "SUCCESS", "context_keys": "SUCCESS"},
        "outputs": {
            "score": "baseline scored above 0.5 on 2024-07-04",
            "context_keys": ["ds", "ds_nodash", "ts", "logical_date", "dag_run", "task_instance_key_str", "run_id",
                             "macros"],
        },
    }
}
