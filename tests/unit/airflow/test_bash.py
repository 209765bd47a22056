"""``BashOperator``: a shell command as a task, its output captured, its last line the XCom."""

from __future__ import annotations

from pathlib import Path

from headwater.airflow import DAG, BashOperator, PythonOperator
from headwater.storage.records import StepStatus


def test_command_output_is_captured_and_last_line_is_the_xcom(run_dag, instance) -> None:
    with DAG("shell") as d:
        greet = BashOperator(
            task_id="greet",
            bash_command='echo "hello {{ params.who }}"; echo "$AIRFLOW_CTX_DAG_ID/$AIRFLOW_CTX_TASK_ID $GREETING"',
            env={"GREETING": "hi"},
            append_env=True,
            params={"who": "world"},
        )
        check = PythonOperator(task_id="check", python_callable=lambda ti: ti.xcom_pull(task_ids="greet"))
        greet >> check
    result = run_dag([d], "shell")
    assert result.success, result.failures
    assert result.output_for("shell.check") == "shell/greet hi"
    lines = [(line.step_key, line.text) for line in instance.store.get_logs(result.run_id, "shell.greet")]
    assert ("shell.greet", "hello world") in lines


def test_a_failing_command_fails_the_task_with_airflows_message(run_dag) -> None:
    with DAG("failing_shell") as d:
        BashOperator(task_id="boom", bash_command="echo before; exit 3")
    result = run_dag([d], "failing_shell")
    boom = result.steps["failing_shell.boom"]
    assert boom.status is StepStatus.FAILURE
    assert "Bash command failed. The command returned a non-zero exit code 3." in boom.error


def test_exit_code_99_skips_the_task_and_its_all_success_downstream(run_dag) -> None:
    with DAG("skipping_shell") as d:
        skip = BashOperator(task_id="skip", bash_command="exit 99")
        other = BashOperator(task_id="other", bash_command="exit 42", skip_on_exit_code=[42, 43])
        plain = BashOperator(task_id="plain", bash_command="exit 99", skip_on_exit_code=None)
        after = BashOperator(task_id="after", bash_command="echo never")
        skip >> after
    result = run_dag([d], "skipping_shell")
    states = {key.split(".")[1]: record.status for key, record in result.steps.items()}
    assert states == {"skip": StepStatus.SKIPPED, "other": StepStatus.SKIPPED, "plain": StepStatus.FAILURE,
                      "after": StepStatus.SKIPPED}
    assert result.steps["skipping_shell.skip"].reason == "Bash command returned exit code 99. Skipping."
    assert result.steps["skipping_shell.after"].reason == "upstream 'skipping_shell.skip' skipped"
    assert not result.success  # plain failed; the skips alone would not fail the run


def test_a_script_in_the_template_searchpath_is_rendered_and_a_trailing_space_makes_it_a_command(
    run_dag, tmp_path: Path
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "hello.sh").write_text('echo "hello from {{ dag.dag_id }}"\n')
    with DAG("searched", template_searchpath=str(scripts)) as d:
        BashOperator(task_id="file", bash_command="hello.sh")
        BashOperator(task_id="command", bash_command="echo hello.sh ")
        BashOperator(task_id="missing", bash_command="nowhere.sh")
    result = run_dag([d], "searched")
    assert result.output_for("searched.file") == "hello from searched"
    assert result.output_for("searched.command") == "hello.sh"
    assert "template file 'nowhere.sh' not found" in result.steps["searched.missing"].error


def test_a_script_next_to_the_dag_file_is_rendered_and_run(run_dag, tmp_path: Path) -> None:
    script = tmp_path / "report.sh"
    script.write_text('echo "report for {{ ds }}"\n')
    with DAG("scripted") as d:
        BashOperator(task_id="report", bash_command=str(script))
    result = run_dag([d], "scripted", tags={"logical_date": "2024-03-05T00:00:00+00:00"})
    assert result.output_for("scripted.report") == "report for 2024-03-05"
