"""Tasks in another Python: a cached virtual environment per requirements set, or a given interpreter.

Only requirements that need no download are used (an empty list), as the tests run offline.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from headwater.airflow import DAG, ExternalPythonOperator, PythonVirtualenvOperator, dag, task
from headwater.errors import DefinitionError


def where_am_i(tag: str) -> dict:
    import sys

    print(f"running {tag} in {sys.prefix}")
    return {"tag": tag, "prefix": sys.prefix}


def test_external_python_runs_the_functions_source_with_that_interpreter(run_dag, instance) -> None:
    with DAG("external") as d:
        ExternalPythonOperator(task_id="there", python=sys.executable, python_callable=where_am_i, op_args=["x"])
    result = run_dag([d], "external")
    assert result.output_for("external.there") == {"tag": "x", "prefix": sys.prefix}
    lines = [line.text for line in instance.store.get_logs(result.run_id, "external.there")]
    assert f"running x in {sys.prefix}" in lines


@pytest.mark.slow
def test_a_virtualenv_is_built_once_per_requirements_set_and_reused(run_dag, headwater_home: Path) -> None:
    @task.virtualenv(requirements=[], system_site_packages=False)
    def isolated(n: int) -> list:
        import sys

        return [n * 2, sys.prefix]

    @task
    def inside(values) -> str:
        return values[1]

    @dag(dag_id="venvs")
    def venvs():
        first = isolated(21)
        inside(first)
        isolated.override(task_id="again")(1)

    result = run_dag([venvs()], "venvs")
    assert result.success, result.failures
    doubled, prefix = result.output_for("venvs.isolated")
    assert doubled == 42 and prefix != sys.prefix
    assert Path(prefix).parent == headwater_home / "venvs"
    assert result.output_for("venvs.again")[1] == prefix  # the same environment, reused
    assert len(list((headwater_home / "venvs").iterdir())) == 1


def test_a_failing_function_fails_the_task_with_its_error(run_dag) -> None:
    def broken() -> None:
        raise ValueError("inside the other python")

    with DAG("external_fail") as d:
        ExternalPythonOperator(task_id="broken", python=sys.executable, python_callable=broken)
    record = run_dag([d], "external_fail").steps["external_fail.broken"]
    assert "ValueError: inside the other python" in record.error


def test_bad_arguments_are_refused() -> None:
    with DAG("bad_venv"):
        with pytest.raises(DefinitionError, match="not a lambda"):
            ExternalPythonOperator(task_id="a", python=sys.executable, python_callable=lambda: 1)
        with pytest.raises(DefinitionError, match="python_version='2.7' is not supported"):
            PythonVirtualenvOperator(task_id="b", python_callable=where_am_i, python_version="2.7")
        with pytest.raises(DefinitionError, match="serializer must be one of"):
            PythonVirtualenvOperator(task_id="c", python_callable=where_am_i, serializer="dill")


@pytest.mark.slow
def test_a_build_killed_midway_is_never_reused(headwater_home: Path, tmp_path: Path) -> None:
    """SIGKILL a process while it builds the environment; the next task builds a complete one."""
    import os
    import signal
    import subprocess
    import time

    script = tmp_path / "build.py"
    script.write_text(textwrap.dedent(f'''
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from headwater.airflow import DAG, PythonVirtualenvOperator
        from test_virtualenv import where_am_i
        with DAG("killed"):
            op = PythonVirtualenvOperator(task_id="t", python_callable=where_am_i, requirements=[],
                                          system_site_packages=False)
        op.interpreter()
    '''))
    process = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "HEADWATER_HOME": str(headwater_home)})
    venvs = headwater_home / "venvs"
    deadline = time.monotonic() + 60
    while not (venvs.exists() and any(venvs.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert all(".building-" in p.name for p in venvs.iterdir())  # killed before the rename: nothing final

    with DAG("after_kill"):
        op = PythonVirtualenvOperator(task_id="t", python_callable=where_am_i, requirements=[],
                                      system_site_packages=False)
    python = Path(op.interpreter())
    assert python.exists() and ".building-" not in str(python)
    result = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True)
    assert result.stdout.strip() == str(python.parent.parent)


def what_the_context_says(label, ds, logical_date, params, templates_dict, run_id, **kwargs) -> dict:
    return {
        "label": label, "ds": ds, "year": logical_date.year, "params": params, "templates": templates_dict,
        "run_id_given": bool(run_id), "extra": sorted(k for k in kwargs if k in ("ts", "ti", "dag", "macros")),
    }


def test_the_function_receives_the_context_values_that_can_travel(run_dag) -> None:
    with DAG("venv_context", params={"n": 3}) as d:
        ExternalPythonOperator(
            task_id="there", python=sys.executable, python_callable=what_the_context_says,
            op_kwargs={"label": "x"}, templates_dict={"day": "{{ ds_nodash }}"},
        )
    result = run_dag([d], "venv_context", tags={"logical_date": "2024-03-05T00:00:00+00:00"})
    assert result.output_for("venv_context.there") == {
        "label": "x", "ds": "2024-03-05", "year": 2024, "params": {"n": 3}, "templates": {"day": "20240305"},
        "run_id_given": True, "extra": ["ts"],  # **kwargs: every value that travels, none of the engine's
    }


def test_a_function_naming_an_engine_only_context_value_is_refused_when_defined() -> None:
    def wants_ti(ti, ds):
        return ds

    def gets_ti_as_argument(ti, ds):
        return ds

    with DAG("venv_ti"):
        with pytest.raises(DefinitionError, match=r"wants_ti\(\) takes ti, which cannot be sent to another Python"):
            ExternalPythonOperator(task_id="a", python=sys.executable, python_callable=wants_ti)
        ExternalPythonOperator(
            task_id="b", python=sys.executable, python_callable=gets_ti_as_argument, op_kwargs={"ti": "given"}
        )

        @task.virtualenv(requirements=[])
        def with_dag_run(dag_run):
            return dag_run

        with pytest.raises(DefinitionError, match="takes dag_run, which cannot be sent"):
            with_dag_run()
