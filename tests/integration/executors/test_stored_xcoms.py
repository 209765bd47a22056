"""XComs are stored outputs: runs that do not run a task read what it pushed from the store.

Pipeline ``tests/pipelines/airflow_xcom_store.py``::

    xcom_chain:     extract ──> transform ──> report     (report also pulls from extract)
    mapped_pushes:  square (mapped over [1, 2, 3], each pushes a label) ──> gather

Every case runs on every executor; the ones that start processes are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from headwater.definitions.loading import CodeLocation, load_code_location
from headwater.errors import ArtifactNotFound, PlanError
from headwater.execution.one_task import test_task as run_one_task
from headwater.execution.run import RunResult, execute, reexecute
from headwater.history import load
from headwater.storage.instance import Instance
from headwater.storage.records import StepStatus

pytestmark = pytest.mark.timeout(180)

PIPELINE = Path(__file__).parents[2] / "pipelines" / "airflow_xcom_store.py"
EXTRACT, TRANSFORM, REPORT = "xcom_chain.extract", "xcom_chain.transform", "xcom_chain.report"
EXECUTORS = [
    "in_process",
    "thread",
    pytest.param("process", marks=pytest.mark.slow),
    pytest.param("dask", marks=[pytest.mark.dask, pytest.mark.slow]),
]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The executor options of ``execute``/``reexecute`` (the Dask one on the session's LocalCluster)."""
    if request.param == "dask":
        return {"executor": "dask", "executor_config": {"dask_address": request.getfixturevalue("local_cluster")}}
    return {"executor": request.param}


@pytest.fixture
def location() -> CodeLocation:
    return load_code_location(file=PIPELINE)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """While this file exists, ``report`` raises; delete it to fix the bug (see ``conf``)."""
    flag = tmp_path / "report-is-broken"
    flag.touch()
    return flag


def conf(**files: Path) -> dict[str, str]:
    """Run tags giving ``report`` its ``dag_run.conf`` (``break_file=...``)."""
    return {"dag_run_conf": json.dumps({name: str(path) for name, path in files.items()})}


def run_dag(location: CodeLocation, instance: Instance, dag_id: str, **options: Any) -> RunResult:
    config = options.pop("executor_config", None)
    return execute(location, list(location.job(dag_id).selection), instance=instance, job_name=dag_id,
                   executor_config=config, **options)


def test_reexecute_from_failure_reads_the_parent_runs_xcoms(location, instance, executor, broken):
    failed = run_dag(location, instance, "xcom_chain", tags=conf(break_file=broken), **executor)
    assert not failed.success and failed.steps[REPORT].status is StepStatus.FAILURE
    broken.unlink()  # the fix
    result = reexecute(failed.run_id, instance=instance, location=location, **executor)
    assert result.success, result.failures
    assert list(result.steps) == [REPORT]  # extract and transform are read, not rerun
    assert result.output_for(REPORT) == 12
    logs = [line.text for line in instance.store.get_logs(result.run_id)]
    assert "total: 12 from fixture" in logs


def test_reexecute_from_a_step_reruns_it_and_its_downstream(location, instance, executor):
    first = run_dag(location, instance, "xcom_chain", **executor)
    assert first.success, first.failures
    result = reexecute(first.run_id, instance=instance, location=location, from_step=TRANSFORM, **executor)
    assert result.success, result.failures
    assert list(result.steps) == [TRANSFORM, REPORT]
    assert result.output_for(REPORT) == 12


def test_one_task_selection_reads_the_latest_xcoms_of_its_upstream(location, instance, executor):
    assert run_dag(location, instance, "xcom_chain", **executor).success
    config = executor.pop("executor_config", None)
    one = execute(location, REPORT, instance=instance, executor_config=config, **executor)
    assert one.success, one.failures
    assert one.output_for(REPORT) == 12


def test_tasks_test_needs_its_upstream_to_have_run(location, instance, executor):
    config = executor.get("executor_config")
    with pytest.raises(PlanError, match="upstream task 'transform', which never ran successfully"):
        run_one_task(location, "xcom_chain", "report", instance=instance, executor=executor["executor"],
                     executor_config=config)
    assert instance.store.list_runs() == []  # refused before any run is recorded
    assert run_dag(location, instance, "xcom_chain", **executor).success
    result = run_one_task(location, "xcom_chain", "report", instance=instance, executor=executor["executor"],
                          executor_config=config)
    assert result.success, result.failures
    assert result.output_for(REPORT) == 12


def test_mapped_instances_push_under_their_own_map_index(location, instance, executor):
    result = run_dag(location, instance, "mapped_pushes", **executor)
    assert result.success, result.failures
    assert result.output_for("mapped_pushes.gather") == {
        "squares": [1, 4, 9],
        "labels": ["square of 1", "square of 2", "square of 3"],
        "second_label": "square of 2",
    }
    stored = instance.store.get_xcoms([(result.run_id, "mapped_pushes.square")])
    assert [(x.key, x.map_index) for x in stored] == [("label", 0), ("label", 1), ("label", 2)]
    assert load("mapped_pushes.square", key="label", instance=instance) == ["square of 1", "square of 2", "square of 3"]
    assert load("mapped_pushes.square", key="label", map_index=2, instance=instance) == "square of 3"


def test_load_a_pushed_xcom_by_key(location, instance):
    assert run_dag(location, instance, "xcom_chain").success
    assert load(EXTRACT, key="rows", instance=instance) == [1, 2, 3]
    assert load(EXTRACT, key="return_value", instance=instance) == "extracted"
    assert load(TRANSFORM, key="doubled", instance=instance) == [2, 4, 6]
    with pytest.raises(ArtifactNotFound, match="pushed no XCom 'row'.*it pushed 'meta', 'rows'.*Did you mean 'rows'"):
        load(EXTRACT, key="row", instance=instance)


def test_assets_push_and_pull_xcoms_too(instance, executor):
    """No dialect branch in the run loop: an asset taking a context has XComs like a task."""
    from headwater import asset
    from headwater.definitions.loading import collect

    @asset
    def pushes(context) -> int:
        context.xcom_push("note", {"rows": 3})
        return 3

    @asset
    def pulls(context, pushes: int) -> str:
        return f"{pushes} {context.xcom_pull('pushes', 'note')['rows']}"

    location = collect([pushes, pulls])
    config = executor.pop("executor_config", None)
    assert execute(location, "*", instance=instance, executor_config=config, **executor).success
    again = execute(location, "pulls", instance=instance, executor_config=config, force=True, **executor)
    assert again.output_for("pulls") == "3 3"
    assert load("pushes", key="note", instance=instance) == {"rows": 3}
