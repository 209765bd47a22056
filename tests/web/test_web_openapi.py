"""A property-based run over the API's OpenAPI schema (schemathesis): no input makes a 5xx.

Every operation of ``/api/openapi.json`` gets generated paths, queries and bodies, sent to
a real ``headwater ui`` (with a token) over a store that holds a real run, so listings have
something in them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from headwater.services.launch import run_selection
from headwater.services.location import load_location
from headwater.storage.instance import Instance
from headwater.web.routes import route_table

from conftest import RunningServer

SHOP = Path(__file__).resolve().parents[1] / "pipelines" / "web_shop.py"
TOKEN = "schemathesis-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.slow
def test_no_input_makes_a_server_error(instance: Instance, start_server: Callable[..., RunningServer]) -> None:
    assert run_selection(instance, load_location(str(SHOP)), "*").success
    server = start_server("ui", "-f", str(SHOP), "--port", "0", "--token", TOKEN)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/openapi.json", headers=AUTH)
    operations = [result.ok() for result in schema.get_all_operations()]
    api_routes = [(m, p) for m, p in route_table() if p.startswith("/api")]
    assert sorted(op.label for op in operations) == sorted(f"{m} {p.replace(':path', '')}" for m, p in api_routes)
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error], headers=AUTH, timeout=30)

        try:
            no_server_error()
        except Exception as exc:  # noqa: BLE001 -- collect every operation's failure, then fail once
            failures.append(f"{operation.label}: {exc}")
    assert failures == []
