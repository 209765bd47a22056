"""Generator assets (Dagster's ``yield Output(...)``) and ``output_required=False``.

    maybe (yields nothing when told to) ──> after_maybe ──> after_after
    raw ──> plain
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from headwater import MaterializeResult, Output, asset, materialize
from headwater.execution.observer import NullObserver
from headwater.storage.records import RunStatus, StepStatus

SWITCH = {"produce": True}


@asset(output_required=False)
def maybe() -> Iterator[Output[int]]:
    print("deciding")
    if SWITCH["produce"]:
        yield Output(5, metadata={"rows": 5})


@asset
def after_maybe(maybe: int) -> int:
    return maybe + 1


@asset
def after_after(after_maybe: int) -> int:
    return after_maybe * 2


@asset
def raw() -> int:
    return 1


@asset
def plain(raw: int) -> int:
    return raw + 1


@pytest.fixture(autouse=True)
def produce() -> Iterator[None]:
    SWITCH["produce"] = True
    yield
    SWITCH["produce"] = True


def test_a_yielded_output_is_stored_with_its_metadata(instance) -> None:
    result = materialize([maybe, after_maybe, after_after], instance=instance, observer=NullObserver())
    assert result.output_for("after_after") == 12
    [stored] = instance.store.get_materializations(asset_key="maybe")
    assert stored.metadata == {"rows": 5}


def test_no_output_skips_downstream_and_the_run_succeeds(instance) -> None:
    SWITCH["produce"] = False
    result = materialize([maybe, after_maybe, after_after, raw, plain], instance=instance, observer=NullObserver())
    assert result.status is RunStatus.SUCCESS
    steps = result.steps
    assert steps["maybe"].status is StepStatus.SUCCESS
    assert steps["maybe"].reason == "produced no output (output_required=False)"
    assert steps["after_maybe"].status is StepStatus.SKIPPED
    assert steps["after_maybe"].reason == "upstream 'maybe' produced no output"
    assert steps["after_after"].status is StepStatus.SKIPPED
    assert steps["plain"].status is StepStatus.SUCCESS
    assert instance.store.get_materializations(asset_key="maybe") == []
    logs = {(line.step_key, line.text) for line in instance.store.get_logs(result.run_id)}
    assert ("maybe", "deciding") in logs


def test_a_required_output_that_is_not_yielded_fails_clearly(instance) -> None:
    @asset
    def forgetful() -> Iterator[Output[int]]:
        if False:
            yield Output(1)

    result = materialize([forgetful], instance=instance, raise_on_error=False, observer=NullObserver())
    assert result.steps["forgetful"].status is StepStatus.FAILURE
    assert "yielded no output" in result.steps["forgetful"].error
    assert "output_required=False" in result.steps["forgetful"].error


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([Output(1), Output(2)], "yielded 2 outputs"),
        ([3], "yielded int; a generator asset yields Output"),
        ([Output(1, output_name="other")], "output_name='other'"),
        ([MaterializeResult(asset_key="elsewhere")], "asset_key='elsewhere'"),
    ],
)
def test_what_a_generator_may_not_yield(instance, items: list[object], message: str) -> None:
    @asset
    def bad() -> Iterator[object]:
        yield from items

    result = materialize([bad], instance=instance, raise_on_error=False, observer=NullObserver())
    assert result.steps["bad"].status is StepStatus.FAILURE
    assert message in result.steps["bad"].error
    assert instance.store.get_materializations(asset_key="bad") == []


def test_an_exception_inside_the_generator_is_the_users(instance) -> None:
    @asset
    def explodes() -> Iterator[Output[int]]:
        yield from ()
        raise ValueError("halfway")

    result = materialize([explodes], instance=instance, raise_on_error=False, observer=NullObserver())
    assert "ValueError: halfway" in result.steps["explodes"].error
    assert 'raise ValueError("halfway")' in result.steps["explodes"].traceback


def test_yielded_materialize_result_with_a_value(instance) -> None:
    @asset
    def summary() -> Iterator[MaterializeResult]:
        yield MaterializeResult(value={"n": 3}, metadata={"n": 3})

    result = materialize([summary], instance=instance, observer=NullObserver())
    assert result.output_for("summary") == {"n": 3}


def test_returning_none_with_output_required_false_still_materializes(instance) -> None:
    """Dagster: ``return`` ignores output_required and always produces the value."""

    @asset(output_required=False)
    def returns_none() -> None:
        return None

    result = materialize([returns_none], instance=instance, observer=NullObserver())
    assert result.steps["returns_none"].status is StepStatus.SUCCESS
    assert len(instance.store.get_materializations(asset_key="returns_none")) == 1
