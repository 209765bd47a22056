"""Resources: ConfigurableResource parameters, Definitions(resources=), EnvVar, run config.

    users (warehouse: WarehouseResource) ──> user_count
"""

from __future__ import annotations

import pytest

from headwater import ConfigurableResource, Definitions, EnvVar, RunConfig, asset, materialize
from headwater.definitions.loading import collect
from headwater.definitions.node import node_of
from headwater.errors import DefinitionError, RunConfigError
from headwater.execution.observer import NullObserver
from headwater.execution.run import execute

EVENTS: list[str] = []


class WarehouseResource(ConfigurableResource):
    url: str
    schema_name: str = "public"
    port: int = 5432

    def table(self, name: str) -> str:
        return f"{self.url}:{self.port}/{self.schema_name}.{name}"

    def setup_for_execution(self, context) -> None:  # noqa: ANN001
        EVENTS.append(f"setup {context.asset_key}")

    def teardown_after_execution(self, context) -> None:  # noqa: ANN001
        EVENTS.append(f"teardown {context.asset_key}")


@asset
def users(warehouse: WarehouseResource) -> str:
    EVENTS.append("users ran")
    return warehouse.table("users")


@asset
def user_count(users: str) -> int:
    return len(users)


@pytest.fixture(autouse=True)
def clean() -> None:
    EVENTS.clear()


def test_a_resource_parameter_is_not_an_upstream() -> None:
    node = node_of(users)
    assert dict(node.inputs) == {} and node.options.resource_parameters == ("warehouse",)


def test_definitions_give_resources_with_setup_and_teardown(instance) -> None:
    defs = Definitions(assets=[users, user_count], resources={"warehouse": WarehouseResource(url="db")})
    result = execute(collect([defs]), instance=instance)
    assert result.output_for("users") == "db:5432/public.users"
    assert EVENTS == ["setup users", "users ran", "teardown users"]


def test_env_vars_are_read_when_the_run_starts(instance, monkeypatch) -> None:
    warehouse = WarehouseResource(url=EnvVar("WAREHOUSE_URL"), port=EnvVar.int("WAREHOUSE_PORT"))
    location = collect([Definitions(assets=[users], resources={"warehouse": warehouse})])  # loads with no env
    monkeypatch.setenv("WAREHOUSE_URL", "prod-db")
    monkeypatch.setenv("WAREHOUSE_PORT", "6543")
    assert execute(location, instance=instance).output_for("users") == "prod-db:6543/public.users"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "resource 'warehouse', field 'url': environment variable 'WAREHOUSE_URL' is not set"),
        ({"WAREHOUSE_URL": "x", "WAREHOUSE_PORT": "many"}, "environment variable 'WAREHOUSE_PORT' is not a valid int"),
    ],
)
def test_env_var_problems_stop_the_run_before_it_starts(instance, monkeypatch, env, message) -> None:  # noqa: ANN001
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    warehouse = WarehouseResource(url=EnvVar("WAREHOUSE_URL"), port=EnvVar.int("WAREHOUSE_PORT"))
    location = collect([Definitions(assets=[users], resources={"warehouse": warehouse})])
    with pytest.raises(RunConfigError, match=message):
        execute(location, instance=instance)
    assert instance.store.list_runs() == [] and EVENTS == []


def test_run_config_changes_a_resources_fields(instance) -> None:
    result = materialize(
        [users], instance=instance, observer=NullObserver(),
        resources={"warehouse": WarehouseResource(url="db")},
        run_config=RunConfig(resources={"warehouse": {"schema_name": "test"}}),
    )
    assert result.output_for("users") == "db:5432/test.users"
    with pytest.raises(RunConfigError, match="run config names resource 'warehous'"):
        materialize([users], instance=instance, resources={"warehouse": WarehouseResource(url="db")},
                    run_config={"resources": {"warehous": {"config": {}}}})
    with pytest.raises(RunConfigError, match="port: Input should be a valid integer"):
        materialize([users], instance=instance, resources={"warehouse": WarehouseResource(url="db")},
                    run_config={"resources": {"warehouse": {"config": {"port": "x"}}}})


def test_a_missing_or_mistyped_resource_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError, match="takes resource 'warehouse', which .* does not provide"):
        collect([users])
    with pytest.raises(DefinitionError, match="takes resource 'warehouse' as WarehouseResource, but it is str"):
        collect([Definitions(assets=[users], resources={"warehouse": "db"})])


def test_a_resource_is_validated_when_made_without_env_vars() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        WarehouseResource(url="db", port="many")


def test_calling_the_asset_directly_with_a_resource() -> None:
    assert users(WarehouseResource(url="mem")) == "mem:5432/public.users"
