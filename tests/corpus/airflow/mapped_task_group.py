"""A mapped task group, the way Airflow's dynamic task mapping guide writes one: a group of
tasks run once per file listed at run time, and a report over every file's result."""

from datetime import datetime

from headwater.airflow import BashOperator, dag, task, task_group


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["mapping"])
def per_file_etl():
    @task
    def list_files() -> list[str]:
        return ["sales.csv", "stock.csv"]

    @task_group(group_id="etl")
    def etl(filename: str, min_rows: int):
        @task
        def extract(filename: str) -> dict:
            return {"name": filename, "rows": len(filename) * 10}

        @task
        def validate(table: dict, min_rows: int) -> dict:
            if table["rows"] < min_rows:
                raise ValueError(f"{table['name']}: too few rows")
            return {**table, "valid": True}

        @task
        def load(table: dict, ti=None) -> str:
            return f"{table['name']}:{table['rows']}@{ti.map_index}"

        loaded = load(validate(extract(filename), min_rows))
        loaded >> BashOperator(task_id="notify", bash_command="echo loaded {{ ti.map_index }}")
        return loaded

    @task
    def report(results: list[str]) -> str:
        return " | ".join(results)

    report(etl.partial(min_rows=50).expand(filename=list_files()))


per_file_etl()

EXPECTED = {
    "per_file_etl": {
        "states": {
            "list_files": "SUCCESS", "etl.extract": "SUCCESS", "etl.validate": "SUCCESS", "etl.load": "SUCCESS",
            "etl.notify": "SUCCESS", "report": "SUCCESS",
        },
        "outputs": {
            "etl.load": ["sales.csv:90@0", "stock.csv:90@1"],
            "etl.notify": ["loaded 0", "loaded 1"],
            "report": "sales.csv:90@0 | stock.csv:90@1",
        },
        "upstream": {"etl.extract": ["list_files"], "etl.notify": ["etl.load", "list_files"], "report": ["etl.load"]},
    }
}
