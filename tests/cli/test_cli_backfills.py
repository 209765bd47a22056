"""``headwater backfill``, ``backfills list|show|cancel``, ``dags backfill``, ``materialize --partition``
and partitions in ``assets list``."""

from __future__ import annotations

from pathlib import Path

PIPELINE = str(Path(__file__).parents[1] / "pipelines" / "partitioned_daily.py")

DAG = '''
import json, os
from datetime import datetime, timezone
from headwater.airflow import DAG, PythonOperator, get_current_context

def record():
    context = get_current_context()
    line = {"ds": context["ds"], "start": context["data_interval_start"].isoformat(),
            "end": context["data_interval_end"].isoformat()}
    with open(os.environ["DAG_LOG"], "a") as out:
        out.write(json.dumps(line) + "\\n")

with DAG("nightly", schedule="@daily", start_date=datetime(2026, 1, 1, tzinfo=timezone.utc), catchup=False) as dag:
    PythonOperator(task_id="record", python_callable=record)
'''


def test_backfill_a_range_then_list_and_show_it(cli) -> None:  # noqa: ANN001
    result = cli("backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-05", "-f", PIPELINE)
    assert result.exit_code == 0, result.output
    assert "COMPLETED_SUCCESS: 5 keys: 5 succeeded" in result.stdout
    listing = cli("backfills", "list")
    assert "job daily_job" in listing.stdout and "2026-01-01 .. 2026-01-05" in listing.stdout
    backfill_id = result.stdout.split("Backfill ")[-1].split(" ")[0]
    shown = cli("backfills", "show", backfill_id)
    assert shown.stdout.count("succeeded") >= 5 and "2026-01-03" in shown.stdout
    again = cli("backfill", "daily_job", "--partitions", "2026-01-02,2026-01-04", "-f", PIPELINE)
    assert "2 skipped" in again.stdout


def test_assets_list_counts_partitions_by_state(cli, monkeypatch) -> None:  # noqa: ANN001
    cli("backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-03", "-f", PIPELINE)
    monkeypatch.setenv("FAIL_PARTITION", "2026-01-04")
    assert cli("materialize", "-f", PIPELINE, "--partition", "2026-01-04").exit_code == 1
    listing = cli("assets", "list", "-f", PIPELINE)
    assert "3 materialized" in listing.stdout and "1 failed" in listing.stdout and "missing" in listing.stdout


def test_bad_backfills_and_partitions_exit_2(cli) -> None:  # noqa: ANN001
    empty = cli("backfill", "daily_job", "--from", "2025-01-01", "--to", "2025-01-31", "-f", PIPELINE)
    assert empty.exit_code == 2 and "holds no partition" in empty.stderr
    unknown = cli("materialize", "-f", PIPELINE, "--partition", "2019-01-01")
    assert unknown.exit_code == 2 and "before the first partition" in unknown.stderr
    missing = cli("materialize", "-f", PIPELINE)
    assert missing.exit_code == 2 and "give a partition key" in missing.stderr
    assert cli("backfills", "show", "nope").exit_code == 3


def test_dags_backfill_gives_each_run_its_logical_date_and_data_interval(cli, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import json

    dag_file = tmp_path / "nightly.py"
    dag_file.write_text(DAG)
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("DAG_LOG", str(log))
    result = cli("dags", "backfill", "nightly", "-s", "2026-01-01", "-e", "2026-01-03", "-f", str(dag_file))
    assert result.exit_code == 0, result.output
    lines = sorted((json.loads(line) for line in log.read_text().splitlines()), key=lambda line: line["ds"])
    assert [line["ds"] for line in lines] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert lines[0]["start"].startswith("2026-01-01T00:00:00") and lines[0]["end"].startswith("2026-01-02T00:00:00")
    bad = cli("dags", "backfill", "nightly", "-s", "2026-01-05", "-e", "2026-01-01", "-f", str(dag_file))
    assert bad.exit_code == 2 and "runs backwards" in bad.stderr


def test_job_run_computes_one_partition(cli) -> None:  # noqa: ANN001
    result = cli("job", "run", "daily_job", "--partition", "2026-01-02", "-f", PIPELINE, "-q")
    assert result.exit_code == 0, result.output
    listing = cli("assets", "list", "-f", PIPELINE)
    assert "partitions: 1 materialized, 0 stale, 0 failed" in listing.stdout


def test_load_and_history_of_a_partition(cli) -> None:  # noqa: ANN001
    cli("backfill", "daily_job", "--partitions", "2026-01-03,2026-01-04", "-f", PIPELINE)
    loaded = cli("assets", "load", "daily_totals", "--partition", "2026-01-04")
    assert loaded.exit_code == 0 and loaded.stdout.strip() == "6"
    unnamed = cli("assets", "load", "daily_totals")
    assert unnamed.exit_code == 3 and "is partitioned: name a partition" in unnamed.stderr
    missing = cli("assets", "load", "daily_totals", "--partition", "2026-01-09")
    assert missing.exit_code == 3 and "partition '2026-01-09' of asset 'daily_totals' has never been materialized" in missing.stderr
    history = cli("assets", "history", "daily_totals")
    assert "partition" in history.stdout and "2026-01-03" in history.stdout


def test_a_detached_backfill_returns_its_id_at_once_and_can_be_shown_and_canceled(cli, tmp_path) -> None:  # noqa: ANN001
    made = cli("backfill", "daily_job", "--from", "2026-01-01", "--to", "2026-01-03", "-f", PIPELINE, "--detach")
    assert made.exit_code == 0, made.output
    backfill_id = made.stdout.strip()
    assert "headwater daemon drives it" in made.stderr and "no daemon is running" in made.stderr
    shown = cli("backfills", "show", backfill_id)
    assert "REQUESTED" in shown.stdout and "driven by headwater daemon" in shown.stdout and "3 pending" in shown.stdout
    assert "No runs" in cli("runs", "list").stdout  # nothing ran here
    resumed = cli("backfills", "resume", backfill_id)
    assert resumed.exit_code == 2 and "driven by headwater daemon" in resumed.stderr
    assert "CANCELED" in cli("backfills", "cancel", backfill_id).stdout  # none going: at once
    dag_file = tmp_path / "nightly.py"
    dag_file.write_text(DAG)
    dag = cli("dags", "backfill", "nightly", "-s", "2026-01-01", "-e", "2026-01-02", "-f", str(dag_file), "--detach")
    assert dag.exit_code == 0 and "2 pending" in cli("backfills", "show", dag.stdout.strip()).stdout


def test_dags_backfill_reads_dates_without_an_offset_as_utc_as_airflow_does(cli, tmp_path) -> None:  # noqa: ANN001
    """Airflow parses -s/-e in its default_timezone (utc unless set), not in the DAG's zone."""
    dag_file = tmp_path / "berlin.py"
    dag_file.write_text(DAG.replace('"nightly"', '"berlin"').replace(
        "tzinfo=timezone.utc", "tzinfo=__import__('zoneinfo').ZoneInfo('Europe/Berlin')"))

    def logical_dates(*dates: str) -> list[str]:
        made = cli("dags", "backfill", "berlin", "-s", dates[0], "-e", dates[1], "-f", str(dag_file), "--detach")
        assert made.exit_code == 0, made.output
        shown = cli("backfills", "show", made.stdout.strip()).stdout
        return [line.split()[1] for line in shown.splitlines() if "pending" in line and "+01:00" in line]

    # 2026-01-02 (UTC) is 01:00 in Berlin: Berlin's midnight of the 2nd is before it
    assert logical_dates("2026-01-02", "2026-01-03") == ["2026-01-03T00:00:00+01:00"]
    assert logical_dates("2026-01-02T00:00+01:00", "2026-01-03T00:00+01:00") == [
        "2026-01-02T00:00:00+01:00", "2026-01-03T00:00:00+01:00",
    ]
    bad = cli("dags", "backfill", "berlin", "-s", "02/01/2026", "-e", "2026-01-03", "-f", str(dag_file))
    assert bad.exit_code == 2 and "--start-date '02/01/2026' is not an ISO date" in bad.stderr
