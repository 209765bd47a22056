"""``headwater variables`` and ``headwater connections``: set, read, list and delete what tasks read."""

from __future__ import annotations

import json


def test_variables_set_get_list_delete(cli) -> None:
    assert cli("variables", "set", "region", "eu", "--description", "data region").exit_code == 0
    assert cli("variables", "set", "limits", '{"rows": 5}', "--json").exit_code == 0
    assert cli("variables", "get", "region").stdout.strip() == "eu"
    assert json.loads(cli("variables", "get", "limits", "--json").stdout) == {"rows": 5}
    listed = cli("variables", "list").stdout
    assert "region" in listed and "data region" in listed and "limits" in listed
    assert cli("variables", "delete", "region").exit_code == 0
    missing = cli("variables", "get", "region")
    assert missing.exit_code == 3 and "Variable 'region' does not exist" in missing.stderr


def test_bad_variable_json_is_refused_and_nothing_is_stored(cli) -> None:
    refused = cli("variables", "set", "broken", "{not json", "--json")
    assert refused.exit_code == 2 and "not valid JSON" in refused.stderr
    assert cli("variables", "get", "broken").exit_code == 3
    assert cli("variables", "delete", "broken").exit_code == 3


def test_the_environment_wins_over_the_store(cli, monkeypatch) -> None:
    cli("variables", "set", "mode", "stored")
    monkeypatch.setenv("AIRFLOW_VAR_MODE", "from-env")
    assert cli("variables", "get", "mode").stdout.strip() == "from-env"


def test_connections_add_get_list_delete_and_passwords_are_masked(cli) -> None:
    added = cli("connections", "add", "warehouse", "--conn-uri", "postgres://etl:hunter2@wh:5432/analytics")
    assert added.exit_code == 0, added.stderr
    fields = json.loads(cli("connections", "get", "warehouse").stdout)
    assert fields["host"] == "wh" and fields["schema"] == "analytics" and fields["port"] == 5432
    listed = cli("connections", "list").stdout
    assert "warehouse" in listed and "hunter2" not in listed and "***" in listed
    assert cli("connections", "add", "api", "--conn-json", '{"conn_type": "http", "host": "x"}').exit_code == 0
    assert cli("connections", "delete", "api").exit_code == 0
    assert cli("connections", "get", "api").exit_code == 3


def test_an_invalid_connection_is_refused_clearly(cli) -> None:
    no_scheme = cli("connections", "add", "bad", "--conn-uri", "just-a-host")
    assert no_scheme.exit_code == 2 and "it needs a scheme" in no_scheme.stderr
    both = cli("connections", "add", "bad", "--conn-uri", "http://x", "--conn-json", "{}")
    assert both.exit_code == 2 and "exactly one of" in both.stderr
    bad_json = cli("connections", "add", "bad", "--conn-json", '{"hostname": "x"}')
    assert bad_json.exit_code == 2 and "unknown fields ['hostname']" in bad_json.stderr
    assert cli("connections", "get", "bad").exit_code == 3
