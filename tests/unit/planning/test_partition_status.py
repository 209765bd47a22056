"""Each partition's state by the one staleness rule: materialized, stale, failed, missing.

::

    raw (daily) ──> clean (daily)
"""

from __future__ import annotations

from headwater import DailyPartitionsDefinition, asset, materialize
from headwater.definitions.graph import Graph
from headwater.definitions.node import node_of
from headwater.planning.partition_status import PartitionState, partition_counts, partition_states

DAYS = DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-05")


def _assets(clean_version: str) -> list:  # noqa: ANN401
    @asset(partitions_def=DAYS, cache=True)
    def raw(context) -> str:  # noqa: ANN001
        return context.partition_key

    @asset(partitions_def=DAYS, code_version=clean_version)
    def clean(raw: str) -> str:
        return raw.upper()

    return [raw, clean]


def _states(instance, assets) -> dict[str, dict[str, PartitionState]]:  # noqa: ANN001
    graph = Graph.build([node_of(a) for a in assets])
    store = instance.store
    keys = ["raw", "clean"]
    return partition_states(
        graph, keys, store.latest_partition_materializations(keys), store.latest_materializations(keys),
        store.last_partition_failures(keys),
    )


def test_each_partition_has_its_own_state(instance) -> None:  # noqa: ANN001
    first = _assets("1")
    for day in ("2026-01-01", "2026-01-02"):
        materialize(first, partition_key=day, instance=instance)
    states = _states(instance, first)
    assert states["clean"] == {
        "2026-01-01": PartitionState.MATERIALIZED, "2026-01-02": PartitionState.MATERIALIZED,
        "2026-01-03": PartitionState.MISSING, "2026-01-04": PartitionState.MISSING,
    }
    changed = _assets("2")
    assert set(_states(instance, changed)["clean"].values()) == {PartitionState.STALE, PartitionState.MISSING}
    assert _states(instance, changed)["raw"]["2026-01-01"] is PartitionState.MATERIALIZED
    materialize(changed, partition_key="2026-01-02", instance=instance)
    counted = partition_counts(_states(instance, changed)["clean"])
    assert counted == {
        PartitionState.MATERIALIZED: 1, PartitionState.STALE: 1, PartitionState.FAILED: 0, PartitionState.MISSING: 2
    }


def test_a_failed_partition_counts_as_failed_until_it_succeeds(instance) -> None:  # noqa: ANN001
    @asset(partitions_def=DAYS)
    def raw(context) -> str:  # noqa: ANN001
        if context.partition_key == "2026-01-03":
            raise RuntimeError("no data")
        return context.partition_key

    materialize([raw], partition_key="2026-01-03", instance=instance, raise_on_error=False)
    materialize([raw], partition_key="2026-01-01", instance=instance)
    graph = Graph.build([node_of(raw)])
    store = instance.store
    states = partition_states(
        graph, ["raw"], store.latest_partition_materializations(["raw"]), {}, store.last_partition_failures(["raw"])
    )
    assert states["raw"]["2026-01-03"] is PartitionState.FAILED
    assert states["raw"]["2026-01-01"] is PartitionState.MATERIALIZED


def test_the_partition_grid_of_an_asset(instance) -> None:  # noqa: ANN001
    from headwater.definitions.loading import collect
    from headwater.services.partitions import partition_grid as grid_of

    first = _assets("1")
    run = materialize(first, partition_key="2026-01-02", instance=instance)
    grid = grid_of(instance, collect(first, name="grid"), "clean")
    assert [(p.key, p.state, p.run_id) for p in grid] == [
        ("2026-01-01", "missing", None), ("2026-01-02", "materialized", run.run_id),
        ("2026-01-03", "missing", None), ("2026-01-04", "missing", None),
    ]
    changed = grid_of(instance, collect(_assets("2"), name="grid"), "clean")
    assert changed[1].state == "stale"
    assert grid_of(instance, collect(first, name="grid"), "nothing") == []
