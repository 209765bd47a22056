"""A task raising AirflowSkipException; none_failed still runs, all_success does not."""

from headwater.airflow import AirflowSkipException, dag, task


@dag(schedule=None)
def maybe_backfill():
    @task
    def check_source(ds=None) -> str:
        raise AirflowSkipException(f"no new files for {ds}")

    @task
    def ingest() -> str:
        return "ingested"

    @task(trigger_rule="none_failed")
    def refresh_dashboard() -> str:
        return "refreshed"

    source = check_source()
    source >> ingest()
    source >> refresh_dashboard()


maybe_backfill()

TAGS = {"logical_date": "2024-02-29T00:00:00+00:00"}
EXPECTED = {
    "maybe_backfill": {
        "states": {"check_source": "SKIPPED", "ingest": "SKIPPED", "refresh_dashboard": "SUCCESS"},
        "reasons": {"check_source": "no new files for 2024-02-29"},
        "outputs": {"refresh_dashboard": "refreshed"},
    }
}
