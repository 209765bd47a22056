"""Small line plots as inline SVG, drawn on the server: a metric across runs needs no JavaScript."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Plot", "line_plot"]

WIDTH, HEIGHT, PAD = 560, 180, 36


@dataclass(frozen=True, slots=True)
class Plot:
    """What a template needs to draw one series."""

    width: int
    height: int
    #: the polyline's ``points`` attribute
    points: str
    #: (x, y, value, label) of each point, for its dot and tooltip
    dots: tuple[tuple[float, float, float, str], ...]
    low: float
    high: float


def line_plot(values: Sequence[float], labels: Sequence[str]) -> Plot:
    """A plot of ``values`` in order (oldest first), each labelled (a run id) for its tooltip."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high == low:
        low, high = low - 0.5, high + 0.5
    span_x = max(len(values) - 1, 1)
    dots = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        if not math.isfinite(value):
            continue
        x = PAD + (WIDTH - 2 * PAD) * (i / span_x if len(values) > 1 else 0.5)
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (value - low) / (high - low)
        dots.append((round(x, 1), round(y, 1), value, label))
    points = " ".join(f"{x},{y}" for x, y, _, _ in dots)
    return Plot(WIDTH, HEIGHT, points, tuple(dots), low, high)
