"""A no-op re-run asks the store the same few questions however many steps it has.

Counted with SQLAlchemy's ``before_cursor_execute`` event on the real SQLite store, not
timed: the reads of planning and running a chain of 1,000 up-to-date steps are those of a
chain of 20 (one query for every step's latest materialization, not one per step), and its
writes are a handful of many-row statements (the recorder's batches), not one per step::

    step_0 ──> step_1 ──> ... ──> step_{n-1}     second run: every step up to date
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from headwater import AssetIn, asset, materialize
from headwater.storage.instance import Instance
from headwater.storage.records import StepStatus


def chain(n: int) -> list[object]:
    """``step_0 -> ... -> step_{n-1}``, each its upstream plus one (``step_0`` cached, as a source)."""

    @asset(name="step_0", cache=True)
    def first() -> int:
        return 0

    def make(i: int) -> object:
        def step(prev: int) -> int:
            return prev + 1

        return asset(name=f"step_{i}", ins={"prev": AssetIn(f"step_{i - 1}")})(step)

    return [first, *(make(i) for i in range(1, n))]


@contextmanager
def statements(instance: Instance) -> Iterator[list[tuple[str, bool, str]]]:
    """Every statement sent to the database meanwhile: (its first word, whether executemany,
    the thread that sent it)."""
    seen: list[tuple[str, bool, str]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement.split(None, 1)[0].upper(), executemany, threading.current_thread().name))

    engine = instance.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def noop_rerun(n: int) -> list[tuple[str, bool, str]]:
    """The statements of a re-run of a chain of ``n`` that finds every step up to date."""
    assets = chain(n)
    with Instance.ephemeral() as instance:
        assert materialize(assets, instance=instance).success
        with statements(instance) as seen:
            result = materialize(assets, instance=instance)
        assert result.success
        assert {record.status for record in result.steps.values()} == {StepStatus.UP_TO_DATE}
        assert len(instance.store.get_steps(result.run_id)) == n  # every step is still on record
        return seen


def run_thread_reads(seen: list[tuple[str, bool, str]]) -> int:
    """The reads of the run's own thread (the heartbeat thread reads on a clock of its own)."""
    return sum(kind == "SELECT" and thread == threading.main_thread().name for kind, _, thread in seen)


def test_a_noop_rerun_reads_as_much_for_1000_steps_as_for_20() -> None:
    small, large = noop_rerun(20), noop_rerun(1000)
    assert run_thread_reads(large) == run_thread_reads(small) <= 5, large


def test_a_noop_rerun_of_1000_steps_writes_in_a_few_batched_statements() -> None:
    seen = noop_rerun(1000)
    writes = [(kind, many) for kind, many, _ in seen if kind in ("INSERT", "UPDATE", "DELETE")]
    # the run's record and end, its heartbeat, and the recorder's batches (one statement per
    # table each, every 0.1 s at most): nothing per step
    assert len(writes) <= 40, writes
    assert sum(many for _, many in writes) >= 2  # the steps and their events went as many-row writes
