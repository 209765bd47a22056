"""The CLI on Dagster-dialect files: asset check results in ``assets list`` and ``runs show``,
and clear refusals of what is not supported."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parents[1] / "corpus" / "dagster"


def rows(text: str) -> dict[str, str]:
    return {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}


def test_check_results_in_assets_list_and_runs_show(cli):
    file = str(CORPUS / "check_non_blocking.py")
    assert cli("materialize", "-f", file, "-q").exit_code == 0
    listed = cli("assets", "list", "-f", file)
    assert listed.exit_code == 0, listed.output
    table = rows(listed.stdout)
    assert "orders:orders_have_amounts" not in table  # a check is shown in its asset's row
    assert "orders_have_amounts FAILED" in table["orders"]
    assert "checks" in listed.stdout and table["order_count"].split("│")[7].strip() == "-"
    shown = cli("runs", "show", "latest")
    assert shown.exit_code == 0, shown.output
    assert "Asset checks" in shown.stdout
    [check_row] = [line for line in shown.stdout.splitlines() if "orders_have_amounts" in line and "FAILED" in line]
    assert "missing=1" in check_row and "every order has an amount" in check_row


def test_blocking_check_failure_exits_1_and_says_why(cli):
    result = cli("materialize", "-f", str(CORPUS / "check_blocking.py"))
    assert result.exit_code == 1
    shown = cli("runs", "show", "latest")
    assert "blocking asset check customers:customer_ids_not_null failed" in shown.stdout
    assert "upstream 'customers:customer_ids_not_null' failed" in shown.stdout


def test_an_unsupported_argument_is_bad_input(cli, tmp_path):
    file = tmp_path / "partitioned.py"
    file.write_text("from headwater import asset\n\n@asset(backfill_policy=object())\ndef daily():\n    return 1\n")
    result = cli("materialize", "-f", str(file))
    assert result.exit_code == 2
    assert "'backfill_policy' is not supported" in result.output


def test_an_unsupported_name_is_bad_input(cli, tmp_path):
    file = tmp_path / "ops.py"
    file.write_text("from headwater import op\n")
    result = cli("materialize", "-f", str(file))
    assert result.exit_code == 2
    assert "'op' (a Dagster name) is not supported by Headwater yet" in result.output


def test_materialize_with_a_config_file_and_lineage_shows_it(cli, tmp_path):
    file = str(CORPUS / "config_basic.py")
    config = tmp_path / "run.yaml"
    config.write_text("ops:\n  forecast:\n    config:\n      horizon_days: 3\n")
    result = cli("materialize", "-f", file, "--config", str(config), "-q")
    assert result.exit_code == 0, result.output
    lineage = cli("lineage", "forecast")
    assert 'config {"horizon_days": 3, "model": "naive"}' in lineage.stdout
    again = cli("materialize", "-f", file, "--config", str(config))
    assert "forecast" in again.stdout and "up to date" in again.stdout.lower()
    config.write_text('{"ops": {"forecast": {"config": {"horizon_days": 4}}}}')
    json_config = tmp_path / "run.json"
    json_config.write_text(config.read_text())
    changed = cli("materialize", "-f", file, "--config", str(json_config), "-q")
    assert changed.exit_code == 0
    shown = cli("lineage", "forecast")
    assert '"horizon_days": 4' in shown.stdout


def test_invalid_config_is_exit_2_and_records_no_run(cli, tmp_path):
    file = str(CORPUS / "config_basic.py")
    config = tmp_path / "run.yaml"
    config.write_text("ops:\n  forecast:\n    config:\n      horizon_days: many\n")
    result = cli("materialize", "-f", file, "--config", str(config))
    assert result.exit_code == 2
    assert "run config for 'forecast' (ForecastConfig) is invalid: horizon_days" in result.output
    missing = cli("materialize", "-f", file)
    assert missing.exit_code == 2 and "horizon_days: Field required" in missing.output
    unreadable = tmp_path / "bad.yaml"
    unreadable.write_text("ops: [unclosed")
    assert cli("materialize", "-f", file, "--config", str(unreadable)).exit_code == 2
    assert cli("materialize", "-f", file, "--config", str(tmp_path / "absent.yaml")).exit_code == 2
    assert "No runs yet" in cli("runs", "list").output


def test_job_run_puts_the_config_file_over_the_jobs_config(cli, tmp_path):
    file = str(CORPUS / "config_job.py")
    assert cli("job", "run", "nightly", "-f", file, "-q").exit_code == 0
    assert "high" in cli("assets", "load", "positives").stdout
    config = tmp_path / "over.yaml"
    config.write_text("ops:\n  positives:\n    config:\n      threshold: 0.1\n      label: all\n")
    assert cli("job", "run", "nightly", "-f", file, "--config", str(config), "-q").exit_code == 0
    assert "'all': 3" in cli("assets", "load", "positives").stdout


def test_sensors_list_and_schedules_list(cli):
    file = str(CORPUS / "schedules_and_sensors.py")
    sensors = cli("sensors", "list", "-f", file)
    assert sensors.exit_code == 0, sensors.output
    table = rows(sensors.stdout)
    assert "asset sensor" in table["counts_changed"] and "event_counts" in table["counts_changed"]
    assert "events_job" in table["events_inbox"] and "120s" in table["events_inbox"]
    schedules = cli("schedules", "list", "-f", file)
    assert "hourly_events" in schedules.stdout and "0 * * * *" in schedules.stdout
    assert "No sensors in" in cli("sensors", "list", "-f", str(CORPUS / "hello_assets.py")).stdout
