"""Which parameters of a step's function are not upstream values: run config and resources.

A parameter typed with a ``Config`` subclass receives the run's config for the step; one
typed with a ``ConfigurableResource`` subclass receives the resource of that name from
``Definitions(resources=...)``. Both classes are pydantic models that live in modules
``import headwater`` does not load, so when neither module was imported, no function can
use them and the hints are not even resolved.
"""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from headwater.definitions.typecheck import resolved_hints
from headwater.errors import DefinitionError

__all__ = ["check_resources", "config_class_of", "named_parameters", "special_parameters"]

_CONFIG_MODULE = "headwater.definitions.config"
_RESOURCE_MODULE = "headwater.definitions.resources"


_VARKEYWORDS = inspect.CO_VARKEYWORDS
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def named_parameters(fn: Callable[..., Any]) -> tuple[list[str], bool]:
    """The names of ``fn``'s parameters other than ``*args`` and ``**kwargs``, in order, and
    whether it takes ``**kwargs``: what ``inspect.signature`` says.

    A plain function (not wrapped, no ``__signature__``) is read from its code object
    directly, which is what ``inspect.signature`` reads too, at a fraction of the cost: a
    code location of a thousand assets calls this a thousand times on every load.
    """
    if type(fn) is types.FunctionType and not hasattr(fn, "__wrapped__") and not hasattr(fn, "__signature__"):
        code = fn.__code__
        count = code.co_argcount + code.co_kwonlyargcount
        return list(code.co_varnames[:count]), bool(code.co_flags & _VARKEYWORDS)
    parameters = inspect.signature(fn).parameters.values()
    return (
        [p.name for p in parameters if p.kind not in _VARIADIC],
        any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters),
    )


def _subclass_of(hint: Any, module: str, name: str) -> bool:
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(hint, type) and issubclass(hint, getattr(loaded, name))


def special_parameters(fn: Callable[..., Any], parameters: Sequence[str], where: str) -> tuple[str | None, tuple[str, ...]]:
    """The config parameter (or None) and the resource parameters among ``parameters``.

    Raises:
        DefinitionError: more than one parameter is typed with a ``Config`` class.
    """
    if _CONFIG_MODULE not in sys.modules and _RESOURCE_MODULE not in sys.modules:
        return None, ()
    hints = resolved_hints(fn)
    configs = [p for p in parameters if _subclass_of(hints.get(p), _CONFIG_MODULE, "Config")]
    if len(configs) > 1:
        raise DefinitionError(f"{where}: parameters {configs} are all typed with a Config class; one may be")
    resources = tuple(p for p in parameters if _subclass_of(hints.get(p), _RESOURCE_MODULE, "ConfigurableResource"))
    return (configs[0] if configs else None), resources


def config_class_of(fn: Callable[..., Any], parameter: str) -> type[Any]:
    """The ``Config`` class that types ``parameter`` of ``fn``."""
    return resolved_hints(fn)[parameter]


def check_resources(nodes: Iterable[Any], resources: Mapping[str, object], where: str) -> None:
    """Every resource parameter of ``nodes`` names a resource of ``resources``, of its class.

    Raises:
        DefinitionError: naming the asset, the parameter and what is provided instead.
    """
    from headwater.definitions.graph import close_matches

    for node in nodes:
        for parameter in node.options.resource_parameters:
            if parameter not in resources:
                raise DefinitionError(
                    f"{node.kind} {node.key!r} takes resource {parameter!r}, which {where} does not provide "
                    f"(give Definitions(resources={{{parameter!r}: ...}})).{close_matches(parameter, resources)}"
                )
            expected = resolved_hints(node.user_fn)[parameter]
            if not isinstance(resources[parameter], expected):
                raise DefinitionError(
                    f"{node.kind} {node.key!r} takes resource {parameter!r} as {expected.__name__}, but it is "
                    f"{type(resources[parameter]).__name__}"
                )
