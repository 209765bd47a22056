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
    file.write_text("from headwater import asset\n\n@asset(partitions_def=object())\ndef daily():\n    return 1\n")
    result = cli("materialize", "-f", str(file))
    assert result.exit_code == 2
    assert "'partitions_def' is not supported" in result.output


def test_an_unsupported_name_is_bad_input(cli, tmp_path):
    file = tmp_path / "ops.py"
    file.write_text("from headwater import op\n")
    result = cli("materialize", "-f", str(file))
    assert result.exit_code == 2
    assert "'op' (a Dagster name) is not supported by Headwater yet" in result.output
