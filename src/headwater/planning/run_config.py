"""Checking a run's config against the ``Config`` classes of the steps it runs.

The config of a run comes as a :class:`~headwater.definitions.config.RunConfig`, as
Dagster's dict form (``{"ops": {"greeting": {"config": {"name": "Ada"}}}}``), or from a
YAML or JSON file of that form. Each planned step whose function has a ``Config``-typed
parameter gets its values validated by that class *before the run starts*; what comes out
is plain JSON, which travels to any worker, goes into the step's version and is recorded
with its materialization::

    step_configs(graph, ["greeting"], {"ops": {"greeting": {"config": {"name": "Ada"}}}})
    # {"greeting": {"name": "Ada", "repeat": 1}}

Resources (``Definitions(resources=...)``) are resolved here too: their ``EnvVar`` fields are
read and the run config's ``resources`` entries applied, before the run starts.

Asset keys are written as they are (``raw/users``) or as Dagster's op names (``raw__users``).
Config for an asset the graph lacks, or for one that takes no config, is an error (with the
closest names); config for an asset that is in the graph but not selected is left unused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from headwater.definitions.graph import Graph, close_matches
from headwater.definitions.parameters import config_class_of
from headwater.errors import RunConfigError

__all__ = ["load_run_config_file", "merge_run_config", "op_entries", "run_config_dict", "step_configs", "step_resources"]


def run_config_dict(config: object) -> dict[str, Any]:
    """A run config (a ``RunConfig`` or Dagster's dict form) as its dict form.

    Raises:
        RunConfigError: ``config`` is neither.
    """
    to_dict = getattr(config, "to_config_dict", None)
    result = to_dict() if callable(to_dict) else config
    if not isinstance(result, Mapping):
        raise RunConfigError(f"a run config must be a RunConfig or a dict, got {type(config).__name__}")
    return dict(result)


def merge_run_config(base: object, override: Mapping[str, Any] | None) -> object:
    """``base`` (a job's config: a ``RunConfig`` or Dagster's dict form) with ``override``'s
    entries over it, op by op and resource by resource; ``base`` itself when nothing overrides."""
    if override is None:
        return base
    if base is None:
        return dict(override)
    base_dict = run_config_dict(base)
    return {
        section: {**dict(base_dict.get(section) or {}), **dict(override.get(section) or {})}
        for section in ("ops", "resources")
        if base_dict.get(section) or override.get(section)
    }


def load_run_config_file(path: str | Path) -> dict[str, Any]:
    """Read a run config file: ``.yaml``/``.yml`` or ``.json``, holding a mapping.

    Raises:
        RunConfigError: the file is missing, unreadable, not YAML/JSON, or not a mapping.
    """
    file = Path(path)
    if not file.is_file():
        raise RunConfigError(f"run config file not found: {path}")
    text = file.read_text()
    try:
        if file.suffix in (".yaml", ".yml"):
            import yaml

            loaded = yaml.safe_load(text)
        elif file.suffix == ".json":
            loaded = json.loads(text)
        else:
            raise RunConfigError(f"run config file {path}: give a .yaml, .yml or .json file")
    except RunConfigError:
        raise
    except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError
        raise RunConfigError(f"run config file {path} cannot be read: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise RunConfigError(f"run config file {path} must hold a mapping (ops: ...), not {type(loaded).__name__}")
    return loaded


def op_entries(run_config: object, section: str = "ops") -> dict[str, Any]:
    """``section`` of a run config (``RunConfig`` or dict form) as key -> instance or field dict."""
    if run_config is None:
        return {}
    if hasattr(run_config, "to_config_dict") and hasattr(run_config, section):
        return dict(getattr(run_config, section))
    if not isinstance(run_config, Mapping):
        raise RunConfigError(f"run config must be a RunConfig or a mapping, not {type(run_config).__name__}")
    unknown = set(run_config) - {"ops", "resources"}
    if unknown:
        raise RunConfigError(f"run config has unknown sections {sorted(unknown)}; it takes ops and resources")
    entries = run_config.get(section) or {}
    if not isinstance(entries, Mapping):
        raise RunConfigError(f"run config: {section} must be a mapping of names to {{config: ...}}")
    result: dict[str, Any] = {}
    for name, entry in entries.items():
        if not isinstance(entry, Mapping) or set(entry) - {"config"}:
            raise RunConfigError(f"run config: {section}.{name} must be a mapping with one key, config")
        result[str(name)] = entry.get("config") or {}
    return result


def step_configs(graph: Graph, keys: Iterable[str], run_config: object) -> dict[str, dict[str, Any]]:
    """Key -> validated config (plain JSON) for every step of ``keys`` that takes config.

    Raises:
        RunConfigError: an entry names no asset, or one that takes no config; a step's values
            do not validate against its ``Config`` class.
    """
    entries = {_asset_key(graph, name): value for name, value in op_entries(run_config).items()}
    for key in entries:
        if key not in graph.nodes:
            raise RunConfigError(f"run config names {key!r}, which is not an asset here.{close_matches(key, graph.nodes)}")
        if graph.nodes[key].options.config_parameter is None:
            raise RunConfigError(f"run config names {key!r}, which takes no config (no parameter is typed with a Config class)")
    configs: dict[str, dict[str, Any]] = {}
    for key in keys:
        node = graph.nodes[key]
        parameter = node.options.config_parameter
        if parameter is None:
            continue
        configs[key] = _validated(key, config_class_of(node.user_fn, parameter), entries.get(key))
    return configs


def step_resources(
    graph: Graph, keys: Iterable[str], resources: Mapping[str, object], run_config: object
) -> dict[str, object]:
    """Resource key -> the resource, ready to use, for every resource the steps of ``keys`` take.

    ``EnvVar`` fields are read now and the run config's ``resources`` entries applied, so a
    missing variable or a bad field stops the run before it starts.

    Raises:
        RunConfigError: the run config names an unknown resource; a resource does not validate.
    """
    overrides = op_entries(run_config, "resources")
    unknown = sorted(set(overrides) - set(resources))
    if unknown:
        raise RunConfigError(
            f"run config names resource {unknown[0]!r}, which is not defined.{close_matches(unknown[0], resources)}"
        )
    needed = sorted({p for key in keys for p in graph.nodes[key].options.resource_parameters})
    if not needed:
        return {}
    from headwater.definitions.resources import resolved_resource

    return {name: resolved_resource(name, resources[name], overrides.get(name)) for name in needed}


def _asset_key(graph: Graph, name: str) -> str:
    """A Dagster op name (``raw__users``) is the asset key ``raw/users``."""
    if name in graph.nodes or "__" not in name:
        return name
    return name.replace("__", "/")


def _validated(key: str, config_class: type[Any], given: object) -> dict[str, Any]:
    from pydantic import BaseModel, ValidationError

    if isinstance(given, BaseModel):
        if not isinstance(given, config_class):
            raise RunConfigError(
                f"run config for {key!r} is a {type(given).__name__}; the asset takes {config_class.__name__}"
            )
        return given.model_dump(mode="json")
    if given is not None and not isinstance(given, Mapping):
        raise RunConfigError(f"run config for {key!r} must be a mapping of fields, not {given!r}")
    try:
        return config_class(**dict(given or {})).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(config)'}: {error['msg']}" for error in exc.errors()
        )
        raise RunConfigError(f"run config for {key!r} ({config_class.__name__}) is invalid: {problems}") from exc
