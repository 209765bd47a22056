"""The run context a step receives as its ``context`` parameter.

It satisfies :class:`headwater.definitions.context.RunContext`. Metrics, output metadata
and pushed XComs are collected on the context and returned with the step's outcome, so the
same code works in-process and in a worker process.

XComs (the Airflow dialect's side channel) go through the artifact store with the same
serializers as assets, so a DataFrame or a fitted model travels as well as a string.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

from headwater.definitions.node import AssetKey
from headwater.execution.capture import USER_LOGGER
from headwater.execution.values import StoredValue
from headwater.storage.base import ArtifactStore

__all__ = ["RETURN_VALUE", "StepContext"]

#: the XCom key a task's return value is pushed under (Airflow's name)
RETURN_VALUE = "return_value"


class StepContext:
    """What a running step sees of its run (``context.run_id``, ``context.log``, ...)."""

    def __init__(
        self,
        run_id: str,
        step_key: str,
        attempt: int = 1,
        *,
        artifacts: ArtifactStore | None = None,
        xcoms: Mapping[str, Mapping[str, Any]] | None = None,
        upstream: Iterable[str] = (),
        run_tags: Mapping[str, str] | None = None,
        keep_values: bool = True,
    ) -> None:
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
        #: XCom key -> where the pushed value is stored
        self.pushed_xcoms: dict[str, StoredValue] = {}
        #: XCom key -> the pushed value itself (kept only when the executor shares memory)
        self.pushed_values: dict[str, Any] = {}
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

    def xcom_push(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` for later tasks of this run (any picklable value)."""
        if not isinstance(key, str) or not key:
            raise TypeError(f"an XCom key is a non-empty string, not {key!r}")
        if self._artifacts is None:
            raise RuntimeError("xcom_push needs a running step (this context has no artifact store)")
        stored = self._artifacts.put(f"{self._step_key}/xcom/{key}", value)
        self.pushed_xcoms[key] = StoredValue(
            stored.uri, stored.serializer, stored.size_bytes, stored.data_version, self.run_id
        )
        if self._keep_values:
            self.pushed_values[key] = value

    def xcom_pull(self, task_id: str, key: str = RETURN_VALUE) -> Any:
        """The value task ``task_id`` pushed under ``key`` in this run, or None if it pushed none."""
        if task_id == self._step_key and key in self.pushed_xcoms:
            return self.pushed_values[key] if key in self.pushed_values else self._load(self.pushed_xcoms[key])
        if task_id not in self._upstream and task_id != self._step_key:
            self.log.warning(
                "xcom_pull from %r, which is not upstream of %r: it may not have run yet", task_id, self._step_key
            )
        value = self._xcoms.get(task_id, {}).get(key, _MISSING)
        if value is _MISSING:
            return None
        return self._load(value)

    def _load(self, value: Any) -> Any:
        if isinstance(value, StoredValue):
            if self._artifacts is None:
                raise RuntimeError("this context has no artifact store to read XComs from")
            return value.load(self._artifacts)
        return value


_MISSING = object()
