"""Run config (Dagster's ``Config`` and ``RunConfig``): values an asset takes from the run, not from code.

An asset declares what it accepts with a ``Config`` subclass (a pydantic model) as the type
of one parameter; each run supplies the values, from Python or from a YAML/JSON file::

    class GreetingConfig(Config):
        name: str
        repeat: int = 1

    @asset
    def greeting(config: GreetingConfig) -> str:
        return ", ".join([f"hello {config.name}"] * config.repeat)

    materialize([greeting], run_config=RunConfig({"greeting": GreetingConfig(name="Ada")}))
    # or: headwater materialize -f greetings.py --config run.yaml, where run.yaml is
    #   ops:
    #     greeting:
    #       config: {name: Ada}

The values are checked against the class before the run starts (a missing or mistyped
field is bad input, and nothing is recorded). They are part of the step's version, so a
run with other values reruns the asset, and they are recorded with its materialization.

This module imports pydantic, so ``headwater`` exposes its names lazily: ``import
headwater`` stays light, and pydantic loads when a pipeline first uses ``Config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from headwater.definitions.unsupported import refuse_unsupported

__all__ = ["Config", "RunConfig"]


class Config(BaseModel):
    """The values an asset takes from the run: subclass it and type one parameter with it.

    Fields are pydantic fields (with defaults, ``Field(description=...)``, nested models).
    Unknown keys are refused, as Dagster refuses unexpected config entries. Instances are
    immutable.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class RunConfig:
    """The config of one run (Dagster's ``RunConfig``).

    Args:
        ops: asset key (``a/b``, or Dagster's op name ``a__b``) -> a ``Config`` instance or a
            dict of its fields.
        resources: resource key -> a resource instance or a dict of its fields, replacing
            or configuring the resources of ``Definitions(resources=...)``.

    Dagster's ``loggers`` and ``execution`` are refused with a ``NotSupportedError``.
    """

    def __init__(
        self,
        ops: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        loggers: Mapping[str, Any] | None = None,
        execution: Mapping[str, Any] | None = None,
    ) -> None:
        refuse_unsupported("RunConfig", loggers=loggers, execution=execution)
        self.ops: dict[str, Any] = dict(ops or {})
        self.resources: dict[str, Any] = dict(resources or {})

    def __repr__(self) -> str:
        return f"RunConfig(ops={self.ops!r}, resources={self.resources!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunConfig) and (self.ops, self.resources) == (other.ops, other.resources)

    def to_config_dict(self) -> dict[str, Any]:
        """The same config in Dagster's dict form: ``{"ops": {key: {"config": {...}}}, ...}``."""
        return {
            "ops": {key: {"config": _plain(value)} for key, value in self.ops.items()},
            **({"resources": {key: {"config": _plain(v)} for key, v in self.resources.items()}} if self.resources else {}),
        }


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value
