"""Runs of one partition: each partition computed, versioned, skipped and stored on its own.

::

    events (daily) ──> counts (daily) ──> report (not partitioned: reads every partition)
"""

from __future__ import annotations

import pytest

from headwater import DailyPartitionsDefinition, asset, materialize
from headwater.errors import PartitionKeyError, PlanError
from headwater.storage.records import StepStatus

DAILY = DailyPartitionsDefinition(start_date="2026-01-01")


@asset(partitions_def=DAILY, cache=True)
def events(context) -> list[str]:  # noqa: ANN001
    window = context.partition_time_window
    return [context.partition_key, window.start.isoformat(), window.end.isoformat()]


@asset(partitions_def=DAILY)
def counts(events: list[str]) -> int:
    return len(events[0])


@asset
def report(counts: dict) -> dict:
    return counts


ASSETS = [events, counts, report]


def statuses(result) -> dict[str, StepStatus]:  # noqa: ANN001
    return {key: record.status for key, record in result.steps.items()}


def test_each_partition_is_computed_and_stored_on_its_own(any_instance) -> None:  # noqa: ANN001
    first = materialize([events, counts], partition_key="2026-01-02", instance=any_instance)
    assert first.output_for("events") == ["2026-01-02", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"]
    second = materialize([events, counts], partition_key="2026-01-03", instance=any_instance)
    assert statuses(second) == {"events": StepStatus.SUCCESS, "counts": StepStatus.SUCCESS}
    again = materialize([events, counts], partition_key="2026-01-02", instance=any_instance)
    assert statuses(again) == {"events": StepStatus.UP_TO_DATE, "counts": StepStatus.UP_TO_DATE}
    stored = any_instance.store.latest_partition_materializations(["events", "counts"])
    assert sorted(stored["counts"]) == ["2026-01-02", "2026-01-03"]
    assert stored["events"]["2026-01-03"].run_id == second.run_id
    assert any_instance.store.latest_materializations(["events"]) == {}
    assert any_instance.store.get_run(second.run_id).tags["dagster/partition"] == "2026-01-03"


def test_an_unpartitioned_downstream_reads_every_partition_and_reruns_when_one_is_added(instance) -> None:  # noqa: ANN001
    materialize([events, counts], partition_key="2026-01-01", instance=instance)
    run = materialize(ASSETS, partition_key="2026-01-02", instance=instance)
    assert run.output_for("report") == {"2026-01-01": 10, "2026-01-02": 10}
    alone = materialize(ASSETS, selection=["report"], instance=instance)
    assert statuses(alone) == {"report": StepStatus.UP_TO_DATE}
    materialize([events, counts], partition_key="2026-01-03", instance=instance)
    changed = materialize(ASSETS, selection=["report"], instance=instance)
    assert changed.steps["report"].reason == "upstream 'counts' changed"
    assert sorted(changed.output_for("report")) == ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_a_partitioned_selection_needs_a_key_in_its_definition(instance) -> None:  # noqa: ANN001
    with pytest.raises(PlanError, match="'events', 'counts' are partitioned .* give a partition key"):
        materialize([events, counts], instance=instance)
    with pytest.raises(PartitionKeyError, match="'2025-12-31' is not a partition of asset 'events'"):
        materialize([events, counts], partition_key="2025-12-31", instance=instance)
    assert instance.store.list_runs() == []


def test_a_partition_reads_the_same_partition_of_its_upstream(instance) -> None:  # noqa: ANN001
    materialize([events, counts], partition_key="2026-01-05", instance=instance)
    with pytest.raises(PlanError, match=r"'counts' needs the value of 'events' \(partition '2026-01-06'\)"):
        materialize([events, counts], selection=["counts"], partition_key="2026-01-06", instance=instance)
    alone = materialize([events, counts], selection=["counts"], partition_key="2026-01-05", instance=instance)
    assert statuses(alone) == {"counts": StepStatus.UP_TO_DATE}


def test_load_reads_a_partition_back(instance) -> None:  # noqa: ANN001
    import headwater
    from headwater.errors import ArtifactNotFound

    materialize([events, counts], partition_key="2026-01-07", instance=instance)
    assert headwater.load("events", partition_key="2026-01-07", instance=instance)[0] == "2026-01-07"
    with pytest.raises(ArtifactNotFound, match="is partitioned: name a partition"):
        headwater.load("events", instance=instance)
