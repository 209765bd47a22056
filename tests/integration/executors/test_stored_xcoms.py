"""XComs are stored outputs: runs that do not run a task read what it pushed from the store.

Pipeline ``tests/pipelines/airflow_xcom_store.py``::

    xcom_chain:     extract ──> transform ──> report     (report also pulls from extract)
    mapped_pushes:  square (mapped over [1, 2, 3], each pushes a label) ──> gather

Every case runs on every executor; the ones that start processes are marked slow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    lines = [line.text for line in instance.store.get_logs(one.run_id)]
    assert "total: 12 from fixture" in lines  # extract, two levels up, is read from the store too
    assert not any("not upstream" in text for text in lines), lines


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


@pytest.mark.slow
def test_a_run_killed_inside_a_task_resumes_from_what_it_recorded(location, instance, tmp_path):
    """SIGKILL the process driving the run while ``report`` runs: the run is closed as
    failed, and a re-execution from failure reruns exactly the steps it had not recorded as
    done, reading the XComs of the others from it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    hold, started = tmp_path / "hold", tmp_path / "started"
    hold.touch()
    command = [sys.executable, "-m", "headwater", "dags", "test", "xcom_chain", "-f", str(PIPELINE), "-q",
               "--conf", json.dumps({"hold_file": str(hold), "started_file": str(started)})]
    process = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert process.poll() is None, "the run ended before report started"
            assert time.monotonic() < deadline, "report never started"
            time.sleep(0.05)
        killed = instance.store.latest_run()
        assert killed is not None and killed.job_name == "xcom_chain" and killed.pid is not None
        os.kill(killed.pid, signal.SIGKILL)  # the run's own process (under the CLI's supervisor)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    hold.unlink()
    done = {s.step_key for s in instance.store.get_steps(killed.run_id) if s.status is StepStatus.SUCCESS}
    assert REPORT not in done

    result = reexecute(killed.run_id, instance=instance, location=location)
    assert result.success, result.failures
    assert result.output_for(REPORT) == 12
    assert set(result.steps) == {EXTRACT, TRANSFORM, REPORT} - done  # nothing lost, nothing done twice
    assert instance.store.get_run(killed.run_id).status.value == "FAILURE"  # closed, not left STARTED
    rerun_xcoms = {x.task_key for x in instance.store.get_xcoms([(result.run_id, k) for k in (EXTRACT, TRANSFORM)])}
    assert rerun_xcoms == {EXTRACT, TRANSFORM} - done


@pytest.fixture
def postgres_instance(tmp_path: Path) -> Iterator[Instance]:
    """Stores whose run store is a fresh schema of the PostgreSQL server at 127.0.0.1:5432."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    from headwater.settings import Settings
    from headwater.storage.artifacts import FsspecArtifactStore
    from headwater.storage.sql.store import SqlStore

    server = os.environ.get("HEADWATER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"hw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 -- a missing server fails loudly, never skips
        admin.dispose()
        pytest.fail(f"PostgreSQL at {server} is not reachable: {exc}", pytrace=False)
    url = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"
    settings = Settings(home=tmp_path, database_url=url, artifacts_url=str(tmp_path / "artifacts"))
    opened = Instance(settings, SqlStore(url), FsspecArtifactStore(settings.artifacts_url))
    try:
        yield opened
    finally:
        opened.close()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_xcoms_round_trip_through_postgresql(location, postgres_instance, broken):
    failed = run_dag(location, postgres_instance, "xcom_chain", tags=conf(break_file=broken))
    assert not failed.success
    broken.unlink()
    result = reexecute(failed.run_id, instance=postgres_instance, location=location)
    assert result.success, result.failures
    assert list(result.steps) == [REPORT] and result.output_for(REPORT) == 12
    assert run_one_task(location, "xcom_chain", "report", instance=postgres_instance).output_for(REPORT) == 12
    mapped = run_dag(location, postgres_instance, "mapped_pushes")
    assert mapped.output_for("mapped_pushes.gather")["labels"] == ["square of 1", "square of 2", "square of 3"]
    assert load("mapped_pushes.square", key="label", map_index=1, instance=postgres_instance) == "square of 2"
