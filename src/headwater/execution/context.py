"""The run context a step receives as its ``context`` parameter.

It satisfies :class:`headwater.definitions.context.RunContext`. Metrics, output metadata
and pushed XComs are collected on the context and returned with the step's outcome, so the
same code works in-process and in a worker process.

XComs are one more kind of stored output of a step: a pushed value goes through the
artifact store with the same serializers as assets (a DataFrame or a fitted model travels as
well as a string) and is recorded in the run store with the step's materialization. A
step's view of the XComs it may pull is keyed ``task key -> (XCom key, map index) ->``
value (or :class:`StoredValue`); a step's return value is its ``return_value`` XCom, and a
mapped instance pushes under its own map index (``-1`` when the task is not mapped)::

    {"iris.train": {("return_value", -1): None, ("model", -1): StoredValue(...)}}
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

from headwater.definitions.node import AssetKey
from headwater.definitions.partition_context import PartitionFacts
from headwater.execution.capture import USER_LOGGER
from headwater.execution.values import StoredValue
from headwater.storage.base import ArtifactStore

__all__ = ["RETURN_VALUE", "UNMAPPED", "StepContext", "XComKey", "XComView"]

#: the XCom key a task's return value is pushed under (Airflow's name)
RETURN_VALUE = "return_value"
#: the map index of an XCom pushed by a task that is not mapped (Airflow's)
UNMAPPED = -1
#: (XCom key, map index)
XComKey = tuple[str, int]
#: task key -> (XCom key, map index) -> the value, or where it is stored
XComView = Mapping[str, Mapping[XComKey, Any]]


class StepContext(PartitionFacts):
    """What a running step sees of its run (``context.run_id``, ``context.log``, ...)."""

    def __init__(
        self,
        run_id: str,
        step_key: str,
        attempt: int = 1,
        *,
        artifacts: ArtifactStore | None = None,
        xcoms: XComView | None = None,
        upstream: Iterable[str] = (),
        run_tags: Mapping[str, str] | None = None,
        keep_values: bool = True,
        selected_output_names: frozenset[str] | None = None,
        partition_key: str | None = None,
        partitions_def: Any = None,
        first_started_at: float | None = None,
        reschedules: int = 0,
    ) -> None:
        PartitionFacts.__init__(self, partition_key, partitions_def)
        #: when the step first started in this run (epoch seconds), across retries and reschedules
        self.first_started_at = first_started_at if first_started_at is not None else time.time()
        #: how many times the step was rescheduled so far
        self.reschedules = reschedules
        self._selected_output_names = selected_output_names
        self._run_id = run_id
        self._step_key = step_key
        self._attempt = attempt
        self._artifacts = artifacts
        self._xcoms = xcoms or {}
        self._upstream = frozenset(upstream)
        self._keep_values = keep_values
        self.run_tags: Mapping[str, str] = run_tags or {}
        self.metrics: list[tuple[str, float, float]] = []
        self.output_metadata: dict[str, Any] = {}
        #: (XCom key, map index) -> where the pushed value is stored
        self.pushed_xcoms: dict[XComKey, StoredValue] = {}
        #: (XCom key, map index) -> the pushed value itself (kept only when the executor shares memory)
        self.pushed_values: dict[XComKey, Any] = {}
        #: later steps this one skips -> why (see :meth:`skip_downstream`)
        self.skipped_downstream: dict[str, str] = {}

    @property
    def run_id(self) -> str:
        """The id of the run this step belongs to."""
        return self._run_id

    @property
    def asset_key(self) -> AssetKey:
        """The key of the asset being computed."""
        return AssetKey.from_user_string(self._step_key)

    @property
    def selected_output_names(self) -> frozenset[str]:
        """A multi-asset's outputs selected in this run (all of them unless it can subset)."""
        if self._selected_output_names is None:
            raise AttributeError("selected_output_names is only known to a @multi_asset(can_subset=True) step")
        return self._selected_output_names

    @property
    def step_key(self) -> str:
        return self._step_key

    @property
    def attempt(self) -> int:
        """1 on the first attempt, 2 on the first retry."""
        return self._attempt

    @property
    def retry_number(self) -> int:
        """0 on the first attempt, 1 on the first retry (Dagster's name)."""
        return self._attempt - 1

    @property
    def log(self) -> logging.Logger:
        """A logger whose lines are stored with this step and shown as it runs."""
        return logging.getLogger(USER_LOGGER)

    def log_metric(self, name: str, value: float) -> None:
        """Record a numeric metric (accuracy, loss) for this step of this run.

        Raises:
            TypeError: ``value`` is not a finite number.
        """
        if isinstance(value, bool) or not isinstance(value, int | float) and not hasattr(value, "__float__"):
            raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}")
        number = float(value)
        if not math.isfinite(number):
            raise TypeError(f"metric {name!r} must be finite, got {number}")
        self.metrics.append((str(name), number, time.time()))

    def add_output_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Attach metadata to the value this step returns; numbers become metrics too."""
        self.output_metadata.update(metadata)

    def skip_downstream(self, keys: Iterable[str], reason: str) -> None:
        """When this step succeeds, finish the steps ``keys`` (of this run) as skipped.

        They are skipped whatever their trigger rules; what is downstream of them then
        decides by its own rules. Branching and short-circuiting are built on this.
        """
        for key in keys:
            self.skipped_downstream.setdefault(key, reason)

    def xcom_push(self, key: str, value: Any, *, map_index: int = UNMAPPED) -> None:
        """Store ``value`` under ``key`` for later steps and runs (any storable value).

        Args:
            key: the XCom key.
            value: anything the artifact store can keep (a model, a DataFrame, ...).
            map_index: the mapped instance pushing it; ``-1`` when the task is not mapped.
        """
        if not isinstance(key, str) or not key:
            raise TypeError(f"an XCom key is a non-empty string, not {key!r}")
        if self._artifacts is None:
            raise RuntimeError("xcom_push needs a running step (this context has no artifact store)")
        stored = self._artifacts.put(f"{self._step_key}/xcom/{key}", value)
        self.pushed_xcoms[(key, map_index)] = StoredValue(
            stored.uri, stored.serializer, stored.size_bytes, stored.data_version, self.run_id
        )
        if self._keep_values:
            self.pushed_values[(key, map_index)] = value

    def xcom_pull(
        self, task_id: str, key: str = RETURN_VALUE, *, map_indexes: int | Iterable[int] | None = None
    ) -> Any:
        """The value step ``task_id`` pushed under ``key``, or None if it pushed none.

        The value comes from this run, or, for a step that does not run in it, from the run
        that stored its value (the parent run of a re-execution, else its latest).

        Args:
            task_id: the key of the step that pushed it.
            key: the XCom key; ``return_value`` is the step's return value.
            map_indexes: which mapped instances; all of them (a list, in map-index order)
                when None and the step is mapped.
        """
        if task_id not in self._upstream and task_id != self._step_key:
            self.log.warning(
                "xcom_pull from %r, which is not upstream of %r: it may not have run yet", task_id, self._step_key
            )
        entries = self._entries(task_id, key)
        if not entries:
            return None
        if list(entries) == [UNMAPPED]:  # one value for the whole step (a mapped task's list of results)
            return _pick(self._load(entries[UNMAPPED]), map_indexes)
        if map_indexes is None:
            return [self._load(entries[index]) for index in sorted(entries) if index != UNMAPPED]
        if isinstance(map_indexes, int):
            return self._load(entries[map_indexes]) if map_indexes in entries else None
        return [self._load(entries[index]) if index in entries else None for index in map_indexes]

    def _entries(self, task_id: str, key: str) -> dict[int, Any]:
        """Map index -> value or stored reference, of what ``task_id`` pushed under ``key``."""
        found = {index: value for (name, index), value in self._xcoms.get(task_id, {}).items() if name == key}
        if task_id == self._step_key:
            found.update({index: value for (name, index), value in self.pushed_xcoms.items() if name == key})
            found.update({index: value for (name, index), value in self.pushed_values.items() if name == key})
        return found

    def _load(self, value: Any) -> Any:
        if isinstance(value, StoredValue):
            if self._artifacts is None:
                raise RuntimeError("this context has no artifact store to read XComs from")
            return value.load(self._artifacts)
        return value


def _pick(value: Any, map_indexes: int | Iterable[int] | None) -> Any:
    """Items of a mapped step's list of results, by map index."""
    if map_indexes is None or not isinstance(value, list):
        return value
    if isinstance(map_indexes, int):
        return value[map_indexes]
    return [value[index] for index in map_indexes]

