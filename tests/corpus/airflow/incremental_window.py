"""An incremental load that reads what arrived since the last successful run, the way Airflow
users write it with ``prev_data_interval_end_success`` (None on a DAG's first run)."""

from datetime import datetime

from headwater.airflow import BashOperator, dag, task


@dag(schedule="@daily", start_date=datetime(2024, 5, 1), catchup=False)
def incremental_window():
    @task
    def window(data_interval_start=None, data_interval_end=None, prev_data_interval_end_success=None) -> dict:
        since = prev_data_interval_end_success or data_interval_start
        return {"since": since.isoformat(), "until": data_interval_end.isoformat(), "first": prev_data_interval_end_success is None}

    announce = BashOperator(
        task_id="announce",
        bash_command="echo previous success: {{ prev_start_date_success or 'none' }}, {{ ds }}",
    )
    window() >> announce


incremental_window()

TAGS = {"logical_date": "2024-05-07T00:00:00+00:00"}
EXPECTED = {
    "incremental_window": {
        "states": {"window": "SUCCESS", "announce": "SUCCESS"},
        "outputs": {
            "window": {"since": "2024-05-07T00:00:00+00:00", "until": "2024-05-08T00:00:00+00:00", "first": True},
            "announce": "previous success: none, 2024-05-07",
        },
    }
}
