"""Bad schedule input is a clear error before anything runs: a schedule on a job that does
not exist and a time zone that is no zone fail the code location's load, naming the
schedule, what is wrong and the closest right names; ``schedules list`` and ``materialize``
exit 2 and write nothing. The daemon (``headwater scheduler``/``daemon``) does not die for a
location that fails to load, as Dagster's daemon keeps running with a location error: it
shows the error, fires nothing from that location, and fires its schedules once the file is
fixed (it is re-read when it changes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

LOCATION = """
from headwater import ScheduleDefinition, DefaultScheduleStatus, asset, define_asset_job

@asset
def raw():
    return 1

nightly_job = define_asset_job("nightly_job", selection="*")
nightly = ScheduleDefinition(name="nightly", job_name={job!r}, cron_schedule={cron!r}, execution_timezone={tz!r},
                             default_status=DefaultScheduleStatus.RUNNING)
"""


def write(tmp_path: Path, *, job: str = "nightly_job", cron: str = "@daily", tz: str = "UTC") -> str:
    path = tmp_path / "pipeline.py"
    path.write_text(textwrap.dedent(LOCATION.format(job=job, cron=cron, tz=tz)))
    return str(path)


def test_a_schedule_on_a_job_that_does_not_exist_fails_schedules_list_and_materialize(cli, tmp_path) -> None:
    bad = write(tmp_path, job="nightly_jbo")
    for command in (("schedules", "list"), ("materialize",), ("jobs", "list")):
        result = cli(*command, "-f", bad)
        assert result.exit_code == 2, (command, result.stdout)
        assert "schedule 'nightly' runs job 'nightly_jbo', which is not defined" in result.stderr
        assert "Did you mean 'nightly_job'?" in result.stderr
    assert "No runs" in cli("runs", "list").stdout  # nothing ran, nothing was recorded


def test_a_time_zone_that_is_no_zone_fails_with_the_closest_zones(cli, tmp_path) -> None:
    result = cli("schedules", "list", "-f", write(tmp_path, tz="Europe/Berln"))
    assert result.exit_code == 2
    assert "unknown time zone 'Europe/Berln' in schedule 'nightly'" in result.stderr
    assert "'Europe/Berlin'" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", ["scheduler", "daemon"])
def test_the_daemon_shows_a_location_that_fails_to_load_keeps_running_and_fires_once_it_is_fixed(
    cli, home, tmp_path, command
) -> None:
    bad = write(tmp_path, job="nightly_jbo", cron="@every 1s")
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    log = tmp_path / "daemon.log"
    with log.open("w") as sink:
        daemon = subprocess.Popen([sys.executable, "-m", "headwater", command, "-f", bad], env=env,
                                  stdout=subprocess.DEVNULL, stderr=sink, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and "which is not defined" not in log.read_text():
            time.sleep(0.2)
        shown = log.read_text()
        assert f"cannot load {bad}" in shown and "schedule 'nightly' runs job 'nightly_jbo'" in shown, shown
        assert "Did you mean 'nightly_job'?" in shown and "no schedules until it loads" in shown, shown
        time.sleep(1.5)
        assert daemon.poll() is None, log.read_text()  # still running
        assert "No ticks recorded" in cli("schedules", "ticks").stdout
        write(tmp_path, cron="@every 1s")  # fixed: read again, its schedule fires
        while time.time() < deadline and "SUCCESS" not in cli("schedules", "ticks", "nightly").stdout:
            time.sleep(0.3)
        assert "SUCCESS" in cli("schedules", "ticks", "nightly").stdout, log.read_text()
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
