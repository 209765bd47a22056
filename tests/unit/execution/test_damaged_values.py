"""A damaged stored value is never fresh: the step runs again and the value heals.

::

    numbers ──> total        (total = sum(numbers))

Issue 10: a truncated artifact showed ``fresh`` forever, and a JSON value edited from 14 to 94
(same size) made ``total`` wrong with nothing in the lineage to show it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from headwater import asset, materialize
from headwater.definitions.loading import collect
from headwater.errors import ArtifactCorrupt
from headwater.execution.observer import NullObserver
from headwater.planning.staleness import AssetState, asset_statuses
from headwater.storage.integrity import QUICK_HASH_MAX_BYTES
from headwater.storage.records import StepStatus


class Lines(NullObserver):
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def step_output(self, step_key: str, stream: str, text: str) -> None:
        self.lines.append((step_key, text))


@asset(cache=True)  # a source reused while its value is intact
def numbers() -> list[int]:
    return [3, 14, 25]


@asset
def total(numbers: list[int]) -> int:
    return sum(numbers)


def stored_file(instance, key: str) -> str:
    return instance.store.latest_materializations([key])[key].artifact_uri


def run(instance, *assets, **options):
    observer = Lines()
    result = materialize(list(assets or (numbers, total)), instance=instance, observer=observer,
                         raise_on_error=False, **options)
    return result, observer


def states(result) -> dict[str, StepStatus]:
    return {key: record.status for key, record in result.steps.items()}


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda path: os.truncate(path, 3), "its stored value is damaged: size mismatch: expected 9 bytes, found 3"),
        (lambda path: Path(path).write_text(Path(path).read_text().replace("14", "94")),
         "its stored value is damaged: content hash mismatch"),
        (os.unlink, "its stored value is missing"),
    ],
    ids=["truncated", "same-size-edit", "deleted"],
)
def test_a_damaged_value_is_rerun_with_the_reason_shown(instance, damage, reason) -> None:
    first, _ = run(instance)
    assert first.success
    damage(stored_file(instance, "numbers"))
    graph = collect([numbers, total], name="test").graph
    latest = instance.store.latest_materializations(["numbers", "total"])
    listed = asset_statuses(graph, latest, {}, artifact_check=instance.check_artifact)
    assert listed["numbers"].state is AssetState.STALE and listed["numbers"].reason == reason

    again, observer = run(instance)
    assert states(again) == {"numbers": StepStatus.SUCCESS, "total": StepStatus.UP_TO_DATE}
    assert ("numbers", f"running again: {reason}") in observer.lines
    assert reason in [line.text.removeprefix("running again: ") for line in instance.store.get_logs(again.run_id)]
    assert again.output_for("total") == 42
    healed = instance.artifacts.get(stored_file(instance, "numbers"), "json")
    assert healed == [3, 14, 25]
    listed = asset_statuses(graph, instance.store.latest_materializations(["numbers", "total"]), {},
                            artifact_check=instance.check_artifact)
    assert {key: status.state for key, status in listed.items()} == {"numbers": AssetState.FRESH,
                                                                      "total": AssetState.FRESH}


@asset(cache=True)
def big() -> bytes:
    return bytes(range(256)) * (QUICK_HASH_MAX_BYTES // 256 + 100)


@asset(name="big_len", code_version="1")
def big_len_v1(big: bytes) -> int:
    return len(big)


@asset(name="big_len", code_version="2")
def big_len_v2(big: bytes) -> int:  # big_len after an edit: it runs, so it reads big
    return len(big)


def test_same_size_damage_in_a_large_value_fails_the_read_and_heals_next_run(instance) -> None:
    first, _ = run(instance, big, big_len_v1)
    assert first.success
    path = stored_file(instance, "big")
    assert os.path.getsize(path) > QUICK_HASH_MAX_BYTES
    with open(path, "r+b") as file:
        file.seek(QUICK_HASH_MAX_BYTES)
        file.write(b"\xff")
    # the quick check passes big (right size, too large to hash); big_len reads it and finds out
    result, _ = run(instance, big, big_len_v2)
    assert states(result) == {"big": StepStatus.UP_TO_DATE, "big_len": StepStatus.FAILURE}
    error = result.steps["big_len"].error or ""
    assert "asset 'big'" in error and path in error and first.run_id in error and "content hash mismatch" in error
    healed, observer = run(instance, big, big_len_v2)
    assert states(healed) == {"big": StepStatus.SUCCESS, "big_len": StepStatus.SUCCESS}
    assert any("its stored value is damaged: content hash mismatch" in text for key, text in observer.lines if key == "big")
    assert healed.output_for("big_len") == len(big())


def test_loading_a_damaged_value_names_asset_file_and_run(instance) -> None:
    import headwater

    first, _ = run(instance)
    path = stored_file(instance, "total")
    Path(path).write_text("43")
    with pytest.raises(ArtifactCorrupt, match=f"asset 'total'.*{path}.*{first.run_id}.*content hash mismatch"):
        headwater.load("total", instance=instance)
