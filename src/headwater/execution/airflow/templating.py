"""Rendering Airflow's templated fields: ``"{{ ds }}"`` in ``op_kwargs``, ``bash_command``, ...

Only strings that contain ``{{`` or ``{%`` are rendered, with Jinja2 (imported when the first
such string is met) over the task's context plus the DAG's ``user_defined_macros``. With
``render_template_as_native_obj=True`` a template that renders to a Python literal gives
that value (``"{{ [1, 2] }}"`` -> ``[1, 2]``), as in Airflow.

A string ending in one of the operator's ``template_ext`` (``.sql``, ``.sh``, ...) names a
template *file*: it is looked up in the DAG file's folder, then in the DAG's
``template_searchpath`` (an absolute path is read as it is), and its content is rendered.
As in Airflow, ``"run.sh "`` (with a trailing space) is a command, not a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["renderer"]


def renderer(context: Mapping[str, Any], *, native: bool = False, macros: Mapping[str, Any] | None = None,
             filters: Mapping[str, Any] | None = None, extensions: Sequence[str] = (),
             search_path: Sequence[str] = ()) -> Callable[[str], Any]:
    """A function rendering one template string (or template file name) against ``context``.

    Raises (from the function it returns):
        FileNotFoundError: a string names a template file that is in no folder of ``search_path``.
    """
    variables = {**dict(macros or {}), **context}
    suffixes = tuple(extensions)

    def render(text: str) -> Any:
        is_file = bool(suffixes) and text.endswith(suffixes)
        if not is_file and "{{" not in text and "{%" not in text:
            return text
        folders = (str(Path(text).parent),) if is_file and Path(text).is_absolute() else tuple(search_path)
        environment = _environment(native, folders if is_file else ())
        if filters:
            environment = environment.overlay()
            environment.filters.update(filters)
        template = _file_template(environment, text) if is_file else environment.from_string(text)
        return template.render(**variables)

    return render


def _file_template(environment: Any, name: str) -> Any:
    import jinja2

    try:
        return environment.get_template(Path(name).name if Path(name).is_absolute() else name)
    except jinja2.TemplateNotFound:
        folders = list(getattr(environment.loader, "searchpath", []))
        raise FileNotFoundError(
            f"template file {name!r} not found in {folders} (a templated value ending in a template extension "
            "is read from a file next to the DAG or in template_searchpath; end it with a space to use it as "
            "it is)"
        ) from None


@lru_cache(maxsize=32)
def _environment(native: bool, search_path: tuple[str, ...]) -> Any:
    import jinja2
    from jinja2.nativetypes import NativeEnvironment

    cls = NativeEnvironment if native else jinja2.Environment
    loader = jinja2.FileSystemLoader(list(search_path)) if search_path else None
    return cls(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, cache_size=400, loader=loader)
