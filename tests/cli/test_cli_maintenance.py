"""``headwater verify`` and ``headwater gc``, and damaged values shown by ``assets list`` and runs."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _rows(stdout: str) -> dict[str, str]:
    return {line.split("│")[1].strip(): line for line in stdout.splitlines() if line.count("│") > 3}


def _stored(key: str) -> str:
    from headwater.storage.instance import Instance

    with Instance.get() as instance:
        return instance.store.latest_materializations([key])[key].artifact_uri


def test_verify_reports_damaged_values_and_exits_1(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    clean = cli("verify")
    assert clean.exit_code == 0, clean.output
    assert "3 stored values of 3 assets checked: all intact" in clean.stdout
    path = _stored("numbers")
    Path(path).write_text(Path(path).read_text().replace("2", "7"))  # same size
    damaged = cli("verify")
    assert damaged.exit_code == 1
    assert "numbers" in damaged.stdout and "content hash mismatch" in damaged.stdout
    assert "1 damaged" in damaged.stdout
    only_total = cli("verify", "total")
    assert only_total.exit_code == 0 and "1 stored values of 1 assets checked: all intact" in only_total.stdout


def test_a_damaged_value_shows_in_assets_list_and_the_run_heals_it(cli, pipeline):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    os.truncate(_stored("total"), 0)
    listed = _rows(cli("assets", "list", "-f", pipeline("ok")).stdout)
    assert "stale (its stored value is damaged: size mismatch: expected 1 bytes, found 0)" in listed["total"]
    run = cli("materialize", "-f", pipeline("ok"))
    assert run.exit_code == 0, run.output
    assert "[total] running again: its stored value is damaged: size mismatch" in run.stdout
    listed = _rows(cli("assets", "list", "-f", pipeline("ok")).stdout)
    assert all("fresh" in row for row in listed.values()), listed
    assert cli("verify").exit_code == 0


def test_gc_removes_temporary_and_unreferenced_files(cli, pipeline, home):
    assert cli("materialize", "-f", pipeline("ok"), "-q").exit_code == 0
    folder = Path(_stored("numbers")).parent
    old = time.time() - 7200
    stray = folder / ("0" * 32 + ".json")
    stray.write_text("[9]")
    young_stray = folder / ("1" * 32 + ".json")
    young_stray.write_text("[8]")
    tmp = folder / ".tmp-elsewhere-1-abc"
    tmp.write_bytes(b"x" * 1000)
    os.utime(stray, (old, old))
    half_hour = time.time() - 1800  # opening the store removes temporaries older than an hour itself
    os.utime(tmp, (half_hour, half_hour))
    assert cli("runs", "list").exit_code == 0 and tmp.exists()
    dry = cli("gc", "--dry-run", "--older-than", "900")
    assert dry.exit_code == 0, dry.output
    assert f"would remove temporary file {tmp}" in dry.stdout
    assert f"would remove unreferenced artifact {stray}" in dry.stdout
    assert str(young_stray) not in dry.stdout
    assert stray.exists() and tmp.exists()
    done = cli("gc", "--older-than", "900")
    assert "Removed 1 temporary files and 1 unreferenced artifacts" in done.stdout
    assert not stray.exists() and not tmp.exists() and young_stray.exists()
    assert cli("verify").exit_code == 0  # nothing referenced was touched
    assert cli("gc", "--older-than", "0").exit_code == 0
    assert not young_stray.exists()
    assert cli("verify").exit_code == 0
