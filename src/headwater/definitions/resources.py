"""Resources (Dagster's ``ConfigurableResource`` and ``EnvVar``): clients an asset is given, not builds.

A resource is a pydantic model with methods; ``Definitions(resources=...)`` names each one,
and an asset receives it through a parameter of that name typed with its class::

    class WarehouseResource(ConfigurableResource):
        url: str
        schema_name: str = "public"

        def table(self, name: str) -> str:
            return f"{self.url}/{self.schema_name}.{name}"

    @asset
    def users(warehouse: WarehouseResource) -> str:
        return warehouse.table("users")

    defs = Definitions(assets=[users], resources={"warehouse": WarehouseResource(url=EnvVar("WAREHOUSE_URL"))})

A field given as ``EnvVar("NAME")`` is read from the environment when a run uses the
resource (not when the file is loaded), so secrets stay out of definitions; an unset
variable is an error before the run starts. A run's config may change a resource's fields
(``RunConfig(resources={"warehouse": {"schema_name": "test"}})``).

Each step that uses a resource calls its ``setup_for_execution(context)`` before the
step's function and ``teardown_after_execution(context)`` after it, as Dagster does.

This module imports pydantic; ``headwater`` exposes its names lazily.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict

from headwater.errors import RunConfigError

__all__ = ["ConfigurableResource", "EnvVar", "resolved_resource"]


class EnvVar(str):
    """A resource field read from an environment variable when a run uses the resource.

    ``EnvVar("NAME")`` gives the variable's text; ``EnvVar.int("NAME")`` its integer value.
    """

    _convert: Any = str

    @property
    def env_var_name(self) -> str:
        return str.__str__(self)

    @classmethod
    def int(cls, name: str) -> EnvVar:
        """An environment variable holding an integer."""
        return _IntEnvVar(name)

    def get_value(self, default: str | None = None) -> Any:
        """The variable's value now, or ``default`` when it is unset.

        Raises:
            RunConfigError: it is unset and there is no default, or it does not convert.
        """
        raw = os.environ.get(self.env_var_name, default)
        if raw is None:
            raise RunConfigError(f"environment variable {self.env_var_name!r} is not set")
        try:
            return self._convert(raw)
        except ValueError as exc:
            raise RunConfigError(f"environment variable {self.env_var_name!r} is not a valid {self._convert.__name__}: {raw!r}") from exc

    def __repr__(self) -> str:
        return f"EnvVar({self.env_var_name!r})"


class _IntEnvVar(EnvVar):
    _convert = int


class ConfigurableResource(BaseModel):
    """A client or connection an asset receives as a parameter (Dagster's ``ConfigurableResource``).

    Subclass it with pydantic fields and methods; give instances to
    ``Definitions(resources={"name": ...})``; type an asset's parameter ``name`` with the
    class. Fields may be ``EnvVar``s. Unknown fields are refused; instances are immutable.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, **data: Any) -> None:
        if not any(isinstance(value, EnvVar) for value in data.values()):
            super().__init__(**data)
            return
        # Fields from the environment are read, and the whole resource validated, when a run
        # uses it: build it unvalidated now, as pydantic's model_construct does.
        constructed = type(self).model_construct(**data)
        for attribute in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
            object.__setattr__(self, attribute, getattr(constructed, attribute))

    def setup_for_execution(self, context: Any) -> None:
        """Called before a step that uses this resource runs (override to open connections)."""

    def teardown_after_execution(self, context: Any) -> None:
        """Called after a step that used this resource ran, even when it failed."""


def resolved_resource(name: str, resource: object, overrides: Any = None) -> object:
    """``resource`` with its ``EnvVar`` fields read and ``overrides`` (run config) applied, validated.

    Raises:
        RunConfigError: an environment variable is unset, or the fields do not validate.
    """
    from pydantic import ValidationError

    if isinstance(overrides, BaseModel):
        resource, overrides = overrides, None
    if not isinstance(resource, ConfigurableResource):
        if overrides:
            raise RunConfigError(f"run config for resource {name!r}: it is not a ConfigurableResource, it has no fields")
        return resource
    given = resource.model_fields_set
    fields = {field: getattr(resource, field) for field in type(resource).model_fields if field in given}
    fields.update(dict(overrides or {}))
    values: dict[str, Any] = {}
    for field, value in fields.items():
        try:
            values[field] = value.get_value() if isinstance(value, EnvVar) else value
        except RunConfigError as exc:
            raise RunConfigError(f"resource {name!r}, field {field!r}: {exc}") from None
    try:
        return type(resource)(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RunConfigError(f"resource {name!r} ({type(resource).__name__}) is invalid: {problems}") from exc
