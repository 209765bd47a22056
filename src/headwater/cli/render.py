"""Small formatting helpers shared by the listing commands."""

from __future__ import annotations

import time

__all__ = ["format_time"]


def format_time(timestamp: float | None) -> str:
    """A UTC epoch time as local ``YYYY-MM-DD HH:MM:SS``; ``-`` when unknown."""
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
