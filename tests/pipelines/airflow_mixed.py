"""One graph of both dialects: a task reads an asset by naming it.

    raw_numbers (asset) ──> mixed.summarize (task)
"""

from headwater import asset
from headwater.airflow import dag, task


@asset
def raw_numbers() -> list[int]:
    return [4, 5, 6]


@task
def summarize(raw_numbers: list[int], ds=None) -> dict:
    return {"sum": sum(raw_numbers), "has_ds": ds is not None}


@dag
def mixed():
    summarize()


mixed_dag = mixed()
