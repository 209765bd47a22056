"""The environment of a step: the Python version and the distributions its code reaches.

A code version (:mod:`headwater.planning.versions`) notes the top-level modules outside the
project that a step's code reaches (``sklearn``, ``pandas``). Each is mapped to the installed
distribution that provides it and that distribution's version::

    {"python": "3.11.7", "pandas": "2.2.3", "scikit-learn": "1.5.2"}

That map is recorded with each materialization (``headwater lineage`` shows it); a change
makes the step stale, ``environment changed: scikit-learn 1.5.2 -> 1.6.0`` (unless the
asset says ``cache="code"``). Standard-library modules are covered by the Python version;
Headwater's own version is left out (upgrading the orchestrator does not change results).

Mapping a module to its distribution: a distribution named like the module when it
provides it (``pandas``), else the one whose ``top_level.txt`` or ``RECORD`` lists it
(``sklearn`` is ``scikit-learn``). Modules already imported in this process are what runs,
so the answers are cached for the life of the process.
"""

from __future__ import annotations

import functools
import platform
import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = ["PYTHON", "describe_environment_change", "environment_of"]

#: the key of the Python version in an environment map
PYTHON = "python"
_PYTHON_VERSION = platform.python_version()
_LEFT_OUT = frozenset({"headwater", "builtins", "__main__"})


def environment_of(modules: Iterable[str]) -> Mapping[str, str]:
    """The environment of code reaching ``modules`` (top-level module names).

    Returns:
        ``{"python": version, distribution: version, ...}`` (read-only); modules of no
        installed distribution (the standard library, the project's own) are left out.
    """
    return _environment(frozenset(modules))


@functools.lru_cache(maxsize=4096)
def _environment(modules: frozenset[str]) -> Mapping[str, str]:
    environment = {PYTHON: _PYTHON_VERSION}
    for module in sorted(modules):
        found = _distribution_of(module)
        if found is not None:
            environment[found[0]] = found[1]
    return MappingProxyType(environment)


def describe_environment_change(previous: Mapping[str, str], current: Mapping[str, str]) -> str | None:
    """``environment changed: scikit-learn 1.5.2 -> 1.6.0``, or None when nothing changed.

    A distribution the code reaches now but did not then (or no longer) is a code change,
    reported as such; only versions that differ for the same distribution count here.
    """
    changed = [
        f"{name} {previous[name]} -> {version}"
        for name, version in sorted(current.items(), key=lambda item: (item[0] != PYTHON, item[0]))
        if name in previous and previous[name] != version
    ]
    return "environment changed: " + ", ".join(changed) if changed else None


@functools.lru_cache(maxsize=1024)
def _distribution_of(module: str) -> tuple[str, str] | None:
    if not module or module in _LEFT_OUT or module in sys.stdlib_module_names or module.startswith("_"):
        return None
    from importlib import metadata

    try:
        named = metadata.distribution(module)
    except metadata.PackageNotFoundError:
        named = None
    if named is not None and _provides(named, module, use_record=True):
        return _name_and_version(named)
    candidates = list(metadata.distributions())
    for use_record in (False, True):  # top_level.txt is cheap to read; RECORD only if needed
        for distribution in candidates:
            if _provides(distribution, module, use_record=use_record):
                return _name_and_version(distribution)
    return None


def _provides(distribution: object, module: str, *, use_record: bool) -> bool:
    read = distribution.read_text  # type: ignore[attr-defined]
    top_level = read("top_level.txt")
    if top_level is not None:
        return module in top_level.split()
    if not use_record:
        return False
    record = read("RECORD") or ""
    return any(line.startswith((f"{module}/", f"{module}.py", f"{module}.")) for line in record.splitlines())


def _name_and_version(distribution: object) -> tuple[str, str]:
    metadata = distribution.metadata  # type: ignore[attr-defined]
    return str(metadata["Name"]), str(distribution.version)  # type: ignore[attr-defined]
