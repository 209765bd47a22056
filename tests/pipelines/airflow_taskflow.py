"""A TaskFlow DAG built by calling the @dag function without assigning the result.

    numbers ──> double (mapped over numbers) ──> total
"""

from headwater.airflow import dag, task


@task
def numbers() -> list[int]:
    return [1, 2, 3]


@task(retries=0)
def double(x: int, factor: int) -> int:
    print(f"doubling {x}")
    return x * factor


@task
def total(values: list[int]) -> int:
    print(f"total of {values}")
    return sum(values)


@dag(schedule=None, tags=["taskflow"])
def mapped_flow():
    total(double.partial(factor=2).expand(x=numbers()))


mapped_flow()
