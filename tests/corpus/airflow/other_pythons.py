"""Functions run in another interpreter: @task.external_python and a cached @task.virtualenv."""

import sys

from headwater.airflow import dag, task


@dag(schedule=None)
def isolated_steps():
    @task
    def numbers() -> list[int]:
        return [3, 1, 2]

    @task.external_python(python=sys.executable)
    def sort_elsewhere(values: list[int]) -> list[int]:
        return sorted(values)

    @task.virtualenv(requirements=[], system_site_packages=False)
    def total_in_venv(values: list[int]) -> dict:
        import sys

        return {"total": sum(values), "isolated": sys.prefix != sys.base_prefix}

    ordered = sort_elsewhere(numbers())
    total_in_venv(ordered)


isolated_steps()

EXPECTED = {
    "isolated_steps": {
        "states": {"numbers": "SUCCESS", "sort_elsewhere": "SUCCESS", "total_in_venv": "SUCCESS"},
        "outputs": {"sort_elsewhere": [1, 2, 3], "total_in_venv": {"total": 6, "isolated": True}},
    }
}
