"""Exceptions a step raises to steer its own failure (Dagster's ``Failure`` and ``RetryRequested``).

    @asset(retry_policy=RetryPolicy(max_retries=3))
    def download():
        response = fetch()
        if response.status == 401:
            raise Failure("the token expired", metadata={"status": 401}, allow_retries=False)
        if response.status == 503:
            raise RetryRequested(max_retries=5, seconds_to_wait=2.0)
        return response.body

``Failure`` fails the step with its description (and metadata) instead of a traceback; it
is retried by the asset's retry policy unless ``allow_retries=False``. ``RetryRequested``
retries the step up to ``max_retries`` times after ``seconds_to_wait``, whatever its retry
policy says. These are user signals, not Headwater errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Failure", "RetryRequested"]


class Failure(Exception):
    """Fail the step on purpose, with a description and metadata.

    Args:
        description: what went wrong, shown as the step's error.
        metadata: recorded with the error.
        allow_retries: ``False`` fails the step for good, whatever its retry policy.
    """

    def __init__(
        self, description: str | None = None, metadata: Mapping[str, Any] | None = None, allow_retries: bool | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.metadata = dict(metadata or {})
        self.allow_retries = allow_retries


class RetryRequested(Exception):
    """Ask for the step to be retried (up to ``max_retries`` times, after ``seconds_to_wait``)."""

    def __init__(self, max_retries: int | None = 1, seconds_to_wait: float | None = None) -> None:
        super().__init__(f"retry requested (up to {max_retries} retries, after {seconds_to_wait or 0}s)")
        self.max_retries = max_retries if max_retries is not None else 1
        self.seconds_to_wait = seconds_to_wait
