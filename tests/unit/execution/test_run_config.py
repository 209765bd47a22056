"""Run config: Config classes as asset parameters, RunConfig, validation before the run,
config in the step's version and in its materialization's record.

    punctuation ──> greeting (config: GreetingConfig) ──> shout
"""

from __future__ import annotations

import pytest
from pydantic import Field

from headwater import Config, RunConfig, asset, define_asset_job, materialize
from headwater.definitions.node import node_of
from headwater.errors import NotSupportedError, RunConfigError
from headwater.execution.observer import NullObserver
from headwater.storage.records import StepStatus


class GreetingConfig(Config):
    name: str
    repeat: int = Field(default=1, ge=1)


@asset
def punctuation() -> str:
    return "!"


@asset
def greeting(config: GreetingConfig, punctuation: str) -> str:
    return " ".join([f"hello {config.name}"] * config.repeat) + punctuation


@asset
def shout(greeting: str) -> str:
    return greeting.upper()


class Defaults(Config):
    factor: int = 2


@asset
def scaled(config: Defaults) -> int:
    return 10 * config.factor


def run(instance, run_config, *assets, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
    return materialize(list(assets) or [punctuation, greeting, shout], instance=instance, run_config=run_config,
                       observer=NullObserver(), **kw)


def test_the_config_parameter_is_not_an_upstream() -> None:
    node = node_of(greeting)
    assert dict(node.inputs) == {"punctuation": "punctuation"} and node.options.config_parameter == "config"


@pytest.mark.parametrize(
    "run_config",
    [
        RunConfig({"greeting": GreetingConfig(name="Ada", repeat=2)}),
        RunConfig(ops={"greeting": {"name": "Ada", "repeat": 2}}),
        {"ops": {"greeting": {"config": {"name": "Ada", "repeat": 2}}}},
    ],
)
def test_each_form_of_run_config(instance, run_config) -> None:  # noqa: ANN001
    assert run(instance, run_config).output_for("shout") == "HELLO ADA HELLO ADA!"


def test_defaults_need_no_run_config(instance) -> None:
    assert run(instance, None, scaled).output_for("scaled") == 20


@pytest.mark.parametrize(
    ("run_config", "message"),
    [
        (None, "run config for 'greeting' (GreetingConfig) is invalid: name: Field required"),
        ({"ops": {"greeting": {"config": {"name": "Ada", "repeat": 0}}}}, "repeat: Input should be greater than or equal to 1"),
        ({"ops": {"greeting": {"config": {"name": "Ada", "colour": "red"}}}}, "colour: Extra inputs are not permitted"),
        ({"ops": {"greetin": {"config": {}}}}, "run config names 'greetin', which is not an asset here. Did you mean 'greeting'"),
        ({"ops": {"shout": {"config": {}}}}, "'shout', which takes no config"),
        ({"ops": {"greeting": {"name": "Ada"}}}, "ops.greeting must be a mapping with one key, config"),
        ({"opz": {}}, "unknown sections ['opz']"),
        (RunConfig({"greeting": Defaults()}), "is a Defaults; the asset takes GreetingConfig"),
    ],
)
def test_invalid_config_fails_before_the_run(instance, run_config, message: str) -> None:  # noqa: ANN001
    with pytest.raises(RunConfigError) as raised:
        run(instance, run_config)
    assert message in str(raised.value)
    assert instance.store.list_runs() == []  # nothing recorded


def test_a_changed_config_reruns_and_the_same_config_is_up_to_date(instance) -> None:
    first = run(instance, RunConfig({"greeting": {"name": "Ada"}}))
    same = run(instance, RunConfig({"greeting": {"name": "Ada"}}))
    other = run(instance, RunConfig({"greeting": {"name": "Grace"}}))
    assert first.steps["greeting"].status is StepStatus.SUCCESS
    assert same.steps["greeting"].status is StepStatus.UP_TO_DATE
    assert other.steps["greeting"].status is StepStatus.SUCCESS and other.output_for("shout") == "HELLO GRACE!"
    assert "run config" in (other.steps["greeting"].reason or "")
    assert other.steps["shout"].status is StepStatus.SUCCESS


def test_config_is_recorded_with_the_materialization(instance) -> None:
    result = run(instance, RunConfig({"greeting": {"name": "Ada", "repeat": 3}}))
    [stored] = instance.store.get_materializations("greeting", run_id=result.run_id)
    assert stored.metadata["headwater/config"] == {"name": "Ada", "repeat": 3}


def test_dagster_op_names_address_prefixed_assets(instance) -> None:
    @asset(key_prefix="raw")
    def prefixed(config: GreetingConfig) -> str:
        return config.name

    result = run(instance, {"ops": {"raw__prefixed": {"config": {"name": "x"}}}}, prefixed)
    assert result.output_for("raw/prefixed") == "x"


def test_a_job_carries_its_config() -> None:
    job = define_asset_job("greet", selection="*", config=RunConfig({"greeting": {"name": "Ada"}}))
    assert job.config.to_config_dict() == {"ops": {"greeting": {"config": {"name": "Ada"}}}}


def test_two_config_parameters_are_refused() -> None:
    from headwater.errors import DefinitionError

    def two(a: GreetingConfig, b: Defaults) -> int:
        return 1

    with pytest.raises(DefinitionError, match="are all typed with a Config class"):
        asset(two)


def test_run_config_refuses_loggers_and_execution() -> None:
    with pytest.raises(NotSupportedError, match="'execution'"):
        RunConfig(execution={"config": {}})


def test_calling_the_asset_directly_with_a_config() -> None:
    assert greeting(GreetingConfig(name="Ada"), "?") == "hello Ada?"
