"""The Airflow corpus: pipeline files written the way tutorials write them, each run on the
in-process and the process executor, and checked against the ``EXPECTED`` it declares.

Each file of ``tests/corpus/airflow/`` defines its DAGs and::

    EXPECTED = {"dag_id": {"states": {task_id: "SUCCESS", ...},   # every task of the DAG
                           "outputs": {task_id: value},           # return values (XCom)
                           "reasons": {task_id: text},            # why a task was skipped
                           "attempts": {task_id: n},
                           "upstream": {task_id: [task_id, ...]}, # the DAG's edges
                           "logs": {task_id: [line, ...]},        # lines the task printed
                           "success": bool}}                      # True unless given
    TAGS = {"logical_date": "..."}                                # optional run tags
    MAX_CONCURRENCY = 1                                           # optional: the run's slots (2)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from headwater.definitions.loading import load_code_location
from headwater.execution.run import execute

CORPUS = Path(__file__).parent / "airflow"
FILES = sorted(CORPUS.glob("*.py"))
EXECUTORS = ["in_process", pytest.param("process", marks=pytest.mark.slow)]


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 15


@pytest.mark.parametrize("executor", EXECUTORS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_file_runs_as_airflow_would(path: Path, executor: str, instance: Any, monkeypatch) -> None:
    monkeypatch.chdir(path.parent)  # files name their data relative to their folder, as DAG folders do
    location = load_code_location(file=path)
    module = sys.modules[location.module]
    for dag_id, expected in module.EXPECTED.items():
        job = location.job(dag_id)
        result = execute(
            location, list(job.selection), instance=instance, job_name=dag_id, executor=executor,
            tags=getattr(module, "TAGS", None), max_concurrency=getattr(module, "MAX_CONCURRENCY", 2),
        )
        steps = {key.removeprefix(f"{dag_id}."): record for key, record in result.steps.items()}
        assert {task_id: str(record.status) for task_id, record in steps.items()} == expected["states"], (
            {task_id: (record.error or record.reason) for task_id, record in steps.items()}
        )
        assert result.success is expected.get("success", True)
        for task_id, value in expected.get("outputs", {}).items():
            assert result.output_for(f"{dag_id}.{task_id}") == value, task_id
        for task_id, reason in expected.get("reasons", {}).items():
            assert steps[task_id].reason == reason
        for task_id, attempts in expected.get("attempts", {}).items():
            assert steps[task_id].attempts == attempts
        dag = next(d for d in module.__headwater_dags__ if d.dag_id == dag_id)
        for task_id, upstream in expected.get("upstream", {}).items():
            assert dag.get_task(task_id).upstream_task_ids == set(upstream), task_id
        for task_id, lines in expected.get("logs", {}).items():
            logged = [line.text for line in instance.store.get_logs(result.run_id, f"{dag_id}.{task_id}")]
            assert all(line in logged for line in lines), logged
