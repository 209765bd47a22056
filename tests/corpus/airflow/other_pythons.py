"""Functions run in another interpreter: @task.external_python and a cached @task.virtualenv.

The functions ask for context values by name (``ds``, ``params``), as Airflow's docs show.
"""

import sys

from headwater.airflow import dag, task


@dag(schedule=None, params={"scale": 10})
def isolated_steps():
    @task
    def numbers() -> list[int]:
        return [3, 1, 2]

    @task.external_python(python=sys.executable)
    def sort_elsewhere(values: list[int]) -> list[int]:
        return sorted(values)

    @task.virtualenv(requirements=[], system_site_packages=False)
    def total_in_venv(values: list[int], ds=None, params=None) -> dict:
        import sys

        return {"total": sum(values) * params["scale"], "day": ds, "isolated": sys.prefix != sys.base_prefix}

    ordered = sort_elsewhere(numbers())
    total_in_venv(ordered)


isolated_steps()

EXPECTED = {
    "isolated_steps": {
        "states": {"numbers": "SUCCESS", "sort_elsewhere": "SUCCESS", "total_in_venv": "SUCCESS"},
        "outputs": {"sort_elsewhere": [1, 2, 3], "total_in_venv": {"total": 60, "day": "2024-01-31", "isolated": True}},
    }
}

TAGS = {"logical_date": "2024-01-31T00:00:00+00:00"}
