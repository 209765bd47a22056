"""--detach, ``runs submit``, ``dags trigger`` and what ``runs list`` says about the queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from headwater.storage.instance import Instance
from headwater.storage.records import DaemonRecord, RunStatus


def queued_runs() -> list[Any]:
    with Instance.get() as instance:
        return instance.store.list_runs(status=RunStatus.QUEUED)


def test_materialize_detach_queues_prints_the_id_and_says_no_daemon_runs(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    result = cli("materialize", "-f", pipeline("ok"), "--detach", "--select", "numbers+", "--force")
    assert result.exit_code == 0, result.stderr
    run_id = result.stdout.strip()
    [run] = queued_runs()
    assert run.run_id == run_id
    assert run.launch["selection"] == "numbers+" and run.launch["force"] is True
    assert run.launch["location"]["file"] == pipeline("ok")
    assert "no daemon is running" in result.stderr
    listed = cli("runs", "list")
    assert "QUEUED" in listed.stdout
    assert "1 run queued and no daemon is running" in listed.stdout


def test_runs_list_is_quiet_about_daemons_when_one_is_alive(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    import time

    assert cli("materialize", "-f", pipeline("ok"), "--detach").exit_code == 0
    with Instance.get() as instance:
        instance.store.register_daemon(DaemonRecord("d1", "daemon", "h", 1, time.time(), time.time()))
    assert "no daemon" not in cli("runs", "list").stdout


def test_a_detached_run_with_an_unknown_selection_is_refused_now(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    result = cli("materialize", "-f", pipeline("ok"), "--detach", "--select", "nope")
    assert result.exit_code == 2
    assert "nope" in result.stderr
    assert queued_runs() == []


def test_job_run_detach_puts_the_job_and_its_tags_on_the_run(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    result = cli("job", "run", "everything", "-f", pipeline("ok"), "--detach")
    assert result.exit_code == 0, result.stderr
    [run] = queued_runs()
    assert (run.job_name, run.launch["job"], run.launch["selection"]) == ("everything", "everything", None)
    assert run.tags == {"team": "ml"}  # the job's tags, so the daemon's tag limits count them
    unknown = cli("job", "run", "nope_job", "-f", pipeline("ok"), "--detach")
    assert unknown.exit_code == 2 and "nope_job" in unknown.stderr


def test_runs_submit_with_tags_priority_and_a_run_key_used_once(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    first = cli("runs", "submit", "-f", pipeline("ok"), "--tag", "team=ml", "--run-key", "tick-1", "--priority", "5")
    assert first.exit_code == 0, first.stderr
    again = cli("runs", "submit", "-f", pipeline("ok"), "--run-key", "tick-1")
    assert again.exit_code == 2
    assert f"already used by run {first.stdout.strip()}" in again.stderr
    [run] = queued_runs()
    assert (run.tags, run.priority, run.run_key) == ({"team": "ml"}, 5, "tick-1")
    assert cli("runs", "submit", "-f", pipeline("ok"), "--tag", "oops").exit_code == 2


def test_dags_trigger_runs_now_or_queues_with_its_conf(
    cli: Callable[..., Any], pipeline: Callable[[str], str]
) -> None:
    now = cli("dags", "trigger", "greet", "-f", pipeline("greet_dag"), "--conf", '{"n": 1}')
    assert now.exit_code == 0, now.stderr
    assert "conf {'n': 1}" in now.stdout
    detached = cli("dags", "trigger", "greet", "-f", pipeline("greet_dag"), "-c", '{"n": 2}', "--detach")
    assert detached.exit_code == 0, detached.stderr
    [run] = queued_runs()
    assert run.job_name == "greet"
    assert json.loads(run.tags["dag_run_conf"]) == {"n": 2}
    assert run.launch["force"] is True
    bad = cli("dags", "trigger", "greet", "-f", pipeline("greet_dag"), "-c", "[1]", "--detach")
    assert bad.exit_code == 2 and "JSON object" in bad.stderr
