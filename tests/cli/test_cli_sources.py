"""Source assets are read again on every run, then cut off by content; ``source_version=``
skips them while their source is unchanged.

::

    orders (reads orders.csv) ──> total
"""

from __future__ import annotations

import itertools
import os
import re
import textwrap
from pathlib import Path

import pytest

from headwater import asset, files, materialize
from headwater.execution.observer import NullObserver
from headwater.storage.records import StepStatus

PIPELINE = '''
import pandas as pd

from headwater import asset, files

CSV = {csv!r}


@asset{options}
def orders() -> pd.DataFrame:
    print("reading orders")
    return pd.read_csv(CSV)


@asset
def total(orders: pd.DataFrame) -> int:
    print("summing orders")
    return int(orders["amount"].sum())
'''


@pytest.fixture
def orders(tmp_path: Path):
    csv = tmp_path / "orders.csv"
    csv.write_text("id,amount\n1,10\n2,20\n")

    def write(options: str = "") -> str:
        path = tmp_path / "orders_pipeline.py"
        path.write_text(textwrap.dedent(PIPELINE.format(csv=str(csv), options=options)))
        return str(path)

    return csv, write


def steps_of(home: Path, output: str) -> dict[str, StepStatus]:
    from headwater.storage.instance import Instance

    run_id = re.search(r"headwater runs show (\S+)", output).group(1)
    with Instance.get(home) as instance:
        return {step.step_key: step.status for step in instance.store.get_steps(run_id)}


RAN, FRESH = StepStatus.SUCCESS, StepStatus.UP_TO_DATE


def test_a_csv_source_reruns_and_its_downstream_follows_the_data(cli, home, orders) -> None:
    csv, write = orders
    pipeline = write()
    assert cli("materialize", "-f", pipeline).exit_code == 0

    unchanged = cli("materialize", "-f", pipeline)
    assert steps_of(home, unchanged.stdout) == {"orders": RAN, "total": FRESH}
    assert "reading orders" in unchanged.stdout and "summing orders" not in unchanged.stdout
    listing = cli("assets", "list", "-f", pipeline).stdout
    assert "a source: it runs on every materialization" in listing

    csv.write_text(csv.read_text() + "3,30\n")
    added = cli("materialize", "-f", pipeline)
    assert steps_of(home, added.stdout) == {"orders": RAN, "total": RAN}
    assert cli("assets", "load", "total").stdout.strip() == "60"
    loaded = cli("assets", "load", "orders").stdout
    assert re.search(r"2\s+3\s+30", loaded), loaded


def test_source_version_files_skips_the_source_while_the_files_are_unchanged(cli, home, orders) -> None:
    csv, write = orders
    pipeline = write(f"(source_version=files({str(csv.parent / '*.csv')!r}))")
    assert cli("materialize", "-f", pipeline).exit_code == 0

    unchanged = cli("materialize", "-f", pipeline)
    assert steps_of(home, unchanged.stdout) == {"orders": FRESH, "total": FRESH}
    assert "reading orders" not in unchanged.stdout
    assert "code, source and inputs unchanged since run" in unchanged.stdout
    assert "fresh" in cli("assets", "list", "-f", pipeline).stdout

    csv.write_text(csv.read_text() + "3,30\n")
    assert "stale (source changed)" in cli("assets", "list", "-f", pipeline).stdout
    changed = cli("materialize", "-f", pipeline)
    assert steps_of(home, changed.stdout) == {"orders": RAN, "total": RAN}
    assert "source changed" in cli("runs", "show", "latest").stdout

    (csv.parent / "more.csv").write_text("id,amount\n9,1\n")  # a new file matching the pattern
    assert steps_of(home, cli("materialize", "-f", pipeline).stdout)["orders"] is RAN


def test_cache_true_keeps_a_source_while_its_code_is_unchanged(cli, home, orders) -> None:
    csv, write = orders
    pipeline = write("(cache=True)")
    cli("materialize", "-f", pipeline)
    csv.write_text(csv.read_text() + "3,30\n")
    again = cli("materialize", "-f", pipeline)
    assert steps_of(home, again.stdout) == {"orders": FRESH, "total": FRESH}


def test_files_reads_a_file_again_only_when_its_stat_changes(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    version = files(str(tmp_path / "*.csv"))
    first = version()
    stat = data.stat()
    data.write_text("a,b\n3,4\n")  # same size
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert version() == first  # same mtime, size and inode: the cached digest stands
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert version() != first
    assert files(str(tmp_path / "none-*.csv"))() != first
    with pytest.raises(TypeError, match="at least one"):
        files()


def test_any_callable_is_a_source_version_and_a_failing_one_means_run(instance) -> None:
    state = {"version": "v1"}
    calls = itertools.count(1)

    @asset(source_version=lambda: state["version"])
    def feed() -> int:
        return next(calls)

    def broken_version() -> str:
        raise ConnectionError("API down")

    @asset(source_version=broken_version)
    def fragile() -> int:
        return 1

    first = materialize([feed, fragile], instance=instance, observer=NullObserver())
    again = materialize([feed, fragile], instance=instance, observer=NullObserver())
    assert again.steps["feed"].status is FRESH and next(calls) == 2
    assert again.steps["fragile"].status is RAN
    assert "raised ConnectionError: API down" in again.steps["fragile"].reason
    state["version"] = "v2"
    third = materialize([feed, fragile], instance=instance, observer=NullObserver())
    assert third.steps["feed"].status is RAN and third.steps["feed"].reason == "source changed"
    assert first.success and third.output_for("feed") == 3


def test_bad_cache_options_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="cache must be True, False, \"code\" or None"):
        asset(cache="sometimes")(lambda: 1)
    with pytest.raises(TypeError, match="source_version must be a callable"):
        asset(source_version="data/*.csv")(lambda: 1)


def test_a_root_airflow_task_runs_every_time(instance) -> None:
    from headwater.airflow import DAG, PythonOperator

    reads: list[int] = []

    def extract() -> int:
        reads.append(1)
        return 1

    with DAG("sources") as dag:
        PythonOperator(task_id="extract", python_callable=extract)
    for _ in range(2):
        result = materialize([dag], instance=instance, observer=NullObserver())
        assert result.steps["sources.extract"].status is RAN
    assert len(reads) == 2
