"""Rendering Airflow's templated fields: ``"{{ ds }}"`` in ``op_kwargs``, ``bash_command``, ...

Only strings that contain ``{{`` or ``{%`` are rendered, with Jinja2 (imported when the first
such string is met) over the task's context plus the DAG's ``user_defined_macros``. With
``render_template_as_native_obj=True`` a template that renders to a Python literal gives
that value (``"{{ [1, 2] }}"`` -> ``[1, 2]``), as in Airflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["renderer"]


def renderer(context: Mapping[str, Any], *, native: bool = False, macros: Mapping[str, Any] | None = None,
             filters: Mapping[str, Any] | None = None) -> Callable[[str], Any]:
    """A function rendering one template string against ``context``."""
    variables = {**dict(macros or {}), **context}

    def render(text: str) -> Any:
        if "{{" not in text and "{%" not in text:
            return text
        environment = _environment(native)
        if filters:
            environment = environment.overlay()
            environment.filters.update(filters)
        return environment.from_string(text).render(**variables)

    return render


@lru_cache(maxsize=2)
def _environment(native: bool) -> Any:
    import jinja2
    from jinja2.nativetypes import NativeEnvironment

    cls = NativeEnvironment if native else jinja2.Environment
    return cls(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, cache_size=400)
