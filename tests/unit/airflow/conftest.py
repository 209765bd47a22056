"""Fixtures for the Airflow dialect: load a fixture pipeline and run a DAG's job."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


@pytest.fixture
def load() -> Callable[[str], Any]:
    """``load("airflow_classic")``: the code location of ``tests/pipelines/airflow_classic.py``."""
    from headwater.definitions.loading import load_code_location

    return lambda name: load_code_location(file=PIPELINES / f"{name}.py")


@pytest.fixture
def run_dag(instance: Any) -> Callable[..., Any]:
    """Run a DAG's job of a location (or of collected objects) on this test's instance."""
    from headwater.definitions.loading import collect
    from headwater.execution.run import execute

    def run(target: Any, dag_id: str, **kwargs: Any) -> Any:
        location = target if hasattr(target, "jobs") else collect(target)
        job = location.job(dag_id)
        return execute(location, list(job.selection), instance=instance, job_name=dag_id, **kwargs)

    return run
