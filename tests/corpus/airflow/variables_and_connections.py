"""Variables read at parse time and written by a task, a connection from the environment, both in templates."""

import os

from headwater.airflow import BaseHook, BashOperator, Variable, dag, task

os.environ.setdefault("AIRFLOW_CONN_REPORTS_DB", "postgres://reporter@reports.internal:5432/daily")
TABLES = Variable.get("tables", default_var=["orders", "users"], deserialize_json=True)


@dag(schedule=None)
def nightly_export():
    @task
    def export(table: str) -> str:
        target = BaseHook.get_connection("reports_db")
        return f"{table} -> {target.host}/{target.schema}"

    @task
    def remember(ds=None) -> None:
        Variable.set("last_export", ds, description="the day last exported")

    exports = [export.override(task_id=f"export_{name}")(name) for name in TABLES]
    announce = BashOperator(task_id="announce", bash_command="echo {{ var.value.last_export }}: "
                                                              f"{len(TABLES)} tables to {{{{ conn.reports_db.host }}}}")
    exports >> remember() >> announce


nightly_export()

TAGS = {"logical_date": "2024-09-30T00:00:00+00:00"}
EXPECTED = {
    "nightly_export": {
        "states": {"export_orders": "SUCCESS", "export_users": "SUCCESS", "remember": "SUCCESS",
                   "announce": "SUCCESS"},
        "outputs": {"export_orders": "orders -> reports.internal/daily",
                    "announce": "2024-09-30: 2 tables to reports.internal"},
    }
}
