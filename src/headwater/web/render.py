"""Small formatting helpers the templates use (times, durations, sizes)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_duration", "format_size", "format_time", "short"]


def format_time(timestamp: float | None) -> str:
    """An epoch time as ``2026-01-31 12:00:05`` UTC; ``-`` when None."""
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """``0.123 s``, ``12.3 s``, ``4 m 05 s``, ``2 h 03 m``; ``-`` when None."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.3f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def format_size(size_bytes: int | None) -> str:
    """Bytes in the largest unit that keeps the number readable."""
    if size_bytes is None:
        return "-"
    size = float(size_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def short(text: str | None, length: int = 12) -> str:
    """The first ``length`` characters of an id or version."""
    return (text or "-")[:length]
