"""BranchPythonOperator choosing one path by the day of the logical date; a join after it."""

from headwater.airflow import DAG, BranchPythonOperator, EmptyOperator, PythonOperator


def choose(logical_date, **_):
    return "weekend_report" if logical_date.weekday() >= 5 else "weekday_report"


with DAG("branch_by_day", schedule="@daily", catchup=False) as dag:
    start = EmptyOperator(task_id="start")
    branch = BranchPythonOperator(task_id="which_day", python_callable=choose)
    weekday = PythonOperator(task_id="weekday_report", python_callable=lambda: "busy")
    weekend = PythonOperator(task_id="weekend_report", python_callable=lambda: "quiet")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    start >> branch >> [weekday, weekend] >> join

TAGS = {"logical_date": "2024-06-08T00:00:00+00:00"}  # a Saturday
EXPECTED = {
    "branch_by_day": {
        "states": {"start": "SUCCESS", "which_day": "SUCCESS", "weekday_report": "SKIPPED",
                   "weekend_report": "SUCCESS", "join": "SUCCESS"},
        "outputs": {"which_day": "weekend_report", "weekend_report": "quiet"},
    }
}
