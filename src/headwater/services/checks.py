"""Checking a launch before it is queued: the job or selection exists, the run config fits.

The web UI's launch form asks this on every change, so a bad config is reported (with the
asset and field) before anything is queued; ``submit`` itself loads no user code::

    problems = check_launch(location, job="iris_ml_pipeline", run_config={"ops": {...}})
    # [] when it would start
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.errors import HeadwaterError

if TYPE_CHECKING:
    from headwater.definitions.loading import CodeLocation

__all__ = ["check_launch", "parse_run_config"]


def parse_run_config(text: str) -> dict[str, Any]:
    """A run config typed in a form: YAML or JSON holding a mapping ("" is none).

    Raises:
        RunConfigError: not YAML, or not a mapping.
    """
    import yaml

    from headwater.errors import RunConfigError

    if not text.strip():
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RunConfigError(f"the run config is not YAML or JSON: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise RunConfigError(f"the run config must be a mapping (ops: ...), got {type(loaded).__name__}")
    return loaded


def parse_conf(text: str) -> dict[str, Any]:
    """An Airflow ``dag_run.conf`` typed in a form: a JSON object ("" is none).

    Raises:
        RunConfigError: not JSON, or not an object.
    """
    from headwater.errors import RunConfigError

    if not text.strip():
        return {}
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunConfigError(f"conf is not valid JSON: {exc}") from None
    if not isinstance(loaded, dict):
        raise RunConfigError("conf must be a JSON object")
    return loaded


def check_launch(
    location: CodeLocation,
    *,
    job: str | None = None,
    selection: str | None = None,
    run_config: Mapping[str, Any] | None = None,
) -> list[str]:
    """What is wrong with launching ``job`` (or ``selection``) with ``run_config``; [] when nothing.

    The same checks a run makes before its first step: the job exists, the selection names
    known assets, every asset's config validates against its ``Config`` class.
    """
    from headwater.definitions.selection import AssetSelection, resolve_selection
    from headwater.planning.run_config import merge_run_config, step_configs

    try:
        config: object = dict(run_config or {})
        chosen: Any = selection or "*"
        if job is not None:
            definition = location.job(job)
            chosen = definition.selection if isinstance(definition.selection, str | AssetSelection) else list(definition.selection)
            config = merge_run_config(definition.config, dict(run_config or {}))
        keys = resolve_selection(location.graph, chosen)
        if not keys:
            return [f"the selection {selection!r} names no asset"]
        step_configs(location.graph, keys, config)
    except HeadwaterError as exc:
        return [str(exc)]
    return []
