"""Each materialization records its environment; a different one makes the step stale."""

from __future__ import annotations

import platform

from sqlalchemy import update

from headwater import asset, materialize
from headwater.execution.observer import NullObserver
from headwater.planning.environment import describe_environment_change, environment_of
from headwater.storage.records import StepStatus
from headwater.storage.sql import schema


@asset(cache=True)
def frame_size() -> int:
    import sqlalchemy

    return len(sqlalchemy.__name__)


@asset(cache="code")
def frame_size_any_env() -> int:
    import sqlalchemy

    return len(sqlalchemy.__name__)


def test_a_recorded_python_or_library_version_that_differs_reruns_the_step(any_instance) -> None:
    first = materialize([frame_size, frame_size_any_env], instance=any_instance, observer=NullObserver())
    recorded = any_instance.store.latest_materializations(["frame_size"])["frame_size"].environment
    assert recorded["python"] == platform.python_version()
    assert recorded["SQLAlchemy"] == environment_of(["sqlalchemy"])["SQLAlchemy"]

    older = {**recorded, "python": "3.0.1", "SQLAlchemy": "1.0.0"}
    table = schema.materializations
    with any_instance.store.engine.begin() as conn:
        conn.execute(update(table).where(table.c.run_id == first.run_id).values(environment=schema.dumps_json(older)))
    again = materialize([frame_size, frame_size_any_env], instance=any_instance, observer=NullObserver())
    assert again.steps["frame_size"].status is StepStatus.SUCCESS
    assert again.steps["frame_size"].reason == (
        f"environment changed: python 3.0.1 -> {platform.python_version()}, SQLAlchemy 1.0.0 -> {recorded['SQLAlchemy']}"
    )
    assert again.steps["frame_size_any_env"].status is StepStatus.UP_TO_DATE


def test_standard_library_and_headwater_are_not_distributions_of_the_environment() -> None:
    assert environment_of(["os", "json", "headwater", "builtins"]) == {"python": platform.python_version()}
    assert describe_environment_change({"a": "1"}, {"a": "1", "b": "2"}) is None
