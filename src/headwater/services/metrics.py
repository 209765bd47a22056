"""Metrics as series across runs: ``accuracy`` of ``evaluate`` run after run.

A series is one metric name logged by one step; each point is one logged value, with the
run that logged it and, when that run materialized the step, the data version it stored
(so a point can be tied to its materialization)::

    for series in metric_series(instance, "accuracy"):
        print(series.step_key, [(p.run_id[:8], p.value) for p in series.points])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["MetricKey", "MetricPoint", "MetricSeries", "list_metrics", "metric_series"]


@dataclass(frozen=True, slots=True)
class MetricKey:
    """A metric name as one step logs it."""

    name: str
    step_key: str


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One logged value.

    Attributes:
        run_id: the run that logged it.
        value: the value.
        timestamp: when (UTC epoch seconds).
        data_version: what the step stored in that run; None when it stored nothing.
    """

    run_id: str
    value: float
    timestamp: float
    data_version: str | None = None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """The values of one metric of one step, oldest first."""

    name: str
    step_key: str
    points: tuple[MetricPoint, ...]


def list_metrics(instance: Instance) -> list[MetricKey]:
    """Every metric ever logged, by name then step."""
    return [MetricKey(name, step_key) for name, step_key in instance.store.metric_names()]


def metric_series(instance: Instance, name: str, *, step_key: str | None = None) -> list[MetricSeries]:
    """The values of metric ``name`` across all runs, one series per step that logged it.

    Args:
        instance: the stores.
        name: the metric's name (``accuracy``).
        step_key: only the series of this step.
    """
    store = instance.store
    by_step: dict[str, list[tuple[str, float, float]]] = {}
    for metric in store.get_metrics(name=name, step_key=step_key):
        by_step.setdefault(metric.step_key, []).append((metric.run_id, metric.value, metric.timestamp))
    series = []
    for key, values in sorted(by_step.items()):
        stored = {m.run_id: m.data_version for m in reversed(store.get_materializations(key))}
        points = tuple(MetricPoint(run_id, value, when, stored.get(run_id)) for run_id, value, when in values)
        series.append(MetricSeries(name, key, points))
    return series
