"""How many runs may run at once: a global maximum and per-tag limits (Dagster's run coordinator).

The coordinator claims queued runs through :meth:`RunLimits.choose`, which the store calls
inside its serialized claim transaction with the runs in flight (started, canceling, or
claimed and not yet started, by any coordinator) and the queued candidates, highest
priority then oldest first. A candidate is claimed when the global maximum and every tag
limit that applies to it still have room; one that is blocked by a tag limit is passed
over, so later runs with other tags go ahead (as in Dagster).

Tag limits follow Dagster's ``tag_concurrency_limits``::

    TagConcurrencyLimit("team", limit=2)                 # runs tagged team=<anything>: 2 at once
    TagConcurrencyLimit("team", "ml", limit=1)           # runs tagged team=ml: 1 at once
    TagConcurrencyLimit("team", limit=1, per_unique_value=True)  # 1 per team value

and from Dagster's dict form, ``{"key": "team", "value": {"applyLimitPerUniqueValue": True},
"limit": 1}``, with :meth:`TagConcurrencyLimit.from_dict`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from headwater.errors import ConfigError
from headwater.storage.records import Run

__all__ = ["RunLimits", "TagConcurrencyLimit"]


@dataclass(frozen=True, slots=True)
class TagConcurrencyLimit:
    """At most ``limit`` runs at once among those tagged ``key`` (``=value`` when given).

    Attributes:
        key: the tag's key.
        value: only runs whose tag has this value count; None: any value.
        limit: how many such runs may be in flight at once (0 holds them all).
        per_unique_value: with no ``value``, the limit applies to each value separately.
    """

    key: str
    value: str | None = None
    limit: int = 1
    per_unique_value: bool = False

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ConfigError(f"tag concurrency limit for {self.key!r} must be 0 or more, got {self.limit}")
        if self.per_unique_value and self.value is not None:
            raise ConfigError(f"tag concurrency limit for {self.key!r}: give a value or per_unique_value, not both")

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> TagConcurrencyLimit:
        """Dagster's form: ``{"key": K, "value": V | {"applyLimitPerUniqueValue": True}, "limit": N}``.

        Raises:
            ConfigError: a key is missing or of the wrong type.
        """
        key, value, limit = entry.get("key"), entry.get("value"), entry.get("limit")
        if not isinstance(key, str) or not key or not isinstance(limit, int) or isinstance(limit, bool):
            raise ConfigError(f"a tag concurrency limit needs a string 'key' and an integer 'limit', got {dict(entry)!r}")
        if isinstance(value, Mapping):
            return cls(key, None, limit, per_unique_value=bool(value.get("applyLimitPerUniqueValue")))
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"tag concurrency limit for {key!r}: 'value' must be a string, got {value!r}")
        return cls(key, value, limit)

    @classmethod
    def parse(cls, text: str) -> TagConcurrencyLimit:
        """The command line's form: ``KEY=N``, ``KEY:VALUE=N`` or ``KEY:*=N`` (each value apart).

        Raises:
            ConfigError: the text is not one of those forms.
        """
        spec, sep, number = text.rpartition("=")
        key, _, value = spec.partition(":")
        if not sep or not key or not number.strip().isdigit():
            raise ConfigError(f"expected KEY=N, KEY:VALUE=N or KEY:*=N for a tag limit, got {text!r}")
        if value == "*":
            return cls(key, None, int(number), per_unique_value=True)
        return cls(key, value or None, int(number))

    def bucket(self, tags: Mapping[str, str]) -> str | None:
        """The group of runs ``tags`` counts in under this limit, or None when it does not apply."""
        if self.key not in tags:
            return None
        tag_value = tags[self.key]
        if self.value is not None:
            return self.value if tag_value == self.value else None
        return tag_value if self.per_unique_value else ""


@dataclass(frozen=True, slots=True)
class RunLimits:
    """The limits a coordinator claims runs under.

    Attributes:
        max_concurrent_runs: runs in flight at once across every coordinator; None: no limit.
        tag_concurrency_limits: per-tag limits, all of which apply.
    """

    max_concurrent_runs: int | None = None
    tag_concurrency_limits: Sequence[TagConcurrencyLimit] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.max_concurrent_runs is not None and self.max_concurrent_runs < 0:
            raise ConfigError(f"max_concurrent_runs must be 0 or more, got {self.max_concurrent_runs}")

    def choose(self, in_flight: Sequence[Run], candidates: Sequence[Run]) -> list[str]:
        """The ids of the ``candidates`` to claim, in order, leaving every limit respected."""
        room = None if self.max_concurrent_runs is None else self.max_concurrent_runs - len(in_flight)
        counts: Counter[tuple[int, str]] = Counter()
        for run in in_flight:
            for index, limit in enumerate(self.tag_concurrency_limits):
                bucket = limit.bucket(run.tags)
                if bucket is not None:
                    counts[index, bucket] += 1
        chosen: list[str] = []
        for run in candidates:
            if room is not None and len(chosen) >= room:
                break
            buckets = [
                (index, bucket)
                for index, limit in enumerate(self.tag_concurrency_limits)
                if (bucket := limit.bucket(run.tags)) is not None
            ]
            if any(counts[key] >= self.tag_concurrency_limits[key[0]].limit for key in buckets):
                continue
            counts.update(buckets)
            chosen.append(run.run_id)
        return chosen

    def describe(self) -> dict[str, Any]:
        """The limits as JSON-able data (for the daemon's record)."""
        return {
            "max_concurrent_runs": self.max_concurrent_runs,
            "tag_concurrency_limits": [
                {"key": t.key, "value": t.value, "limit": t.limit, "per_unique_value": t.per_unique_value}
                for t in self.tag_concurrency_limits
            ],
        }
