"""Where Headwater keeps things: the store is found the way git finds its repository.

The *home* folder holds the embedded SQLite run store (``headwater.db``) and the local
artifact folder (``artifacts/``). It is chosen by the first rule that applies, looking up
from the current folder:

1. ``HEADWATER_HOME``, when set (relative to the current folder);
2. ``home = "..."`` under ``[tool.headwater]`` in the nearest ``pyproject.toml``, relative
   to that file;
3. the nearest existing ``.headwater`` folder, from the current folder up to the project
   (the folder of the nearest ``pyproject.toml``), or up to ``/`` outside any project;
4. ``.headwater`` next to the nearest ``pyproject.toml``;
5. ``.headwater`` in the current folder.

So every command run anywhere inside a project uses the project's store, and a store
created outside a project (say ``~/.headwater``) never captures a project below it.
``HEADWATER_DATABASE_URL`` points the run store elsewhere (``postgresql+psycopg://...``);
``HEADWATER_ARTIFACTS`` points the artifact store at any fsspec URL (``s3://bucket/path``).
:attr:`Settings.reason` says which rule chose the home; ``headwater info`` prints it.

Example::

    settings = Settings.discover()            # from the environment and the current folder
    settings.home, settings.reason            # (Path('/proj/.headwater'), 'next to /proj/pyproject.toml')

Imports: the standard library and :mod:`headwater.errors` only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from headwater.errors import ConfigError

__all__ = ["HOME_FOLDER", "Settings", "find_pyproject", "read_tool_config"]

#: The name of the folder that holds a project's stores.
HOME_FOLDER = ".headwater"


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved locations of the run store and the artifact store.

    Attributes:
        home: the folder holding the embedded stores.
        database_url: the run store's SQLAlchemy URL.
        artifacts_url: the artifact store's root (a folder or an fsspec URL).
        reason: which rule chose ``home``, in words.
    """

    home: Path
    database_url: str
    artifacts_url: str
    reason: str = "given"

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None) -> Settings:
        """The settings of an explicit ``home``, or those :meth:`discover` finds.

        An explicit ``home`` wins over the environment entirely: both stores live under it.

        Raises:
            ConfigError: a ``pyproject.toml`` on the way is not valid TOML, or its
                ``[tool.headwater] home`` is not a folder path.
        """
        if home is not None:
            return cls._under(Path(home).expanduser().resolve(), {}, "given")
        return cls.discover()

    @classmethod
    def discover(cls, cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Find the home by the rules of the module docstring.

        Args:
            cwd: the folder to look up from (default: the current folder).
            env: the environment (default: ``os.environ``).

        Raises:
            ConfigError: a ``pyproject.toml`` on the way is not valid TOML, or its
                ``[tool.headwater] home`` is not a folder path.
        """
        env = os.environ if env is None else env
        start = Path(cwd if cwd is not None else os.getcwd()).resolve()
        home, reason = _find_home(start, env)
        return cls._under(home, env, reason)

    @classmethod
    def _under(cls, home: Path, env: Mapping[str, str], reason: str) -> Settings:
        database_url = env.get("HEADWATER_DATABASE_URL") or f"sqlite:///{home / 'headwater.db'}"
        artifacts_url = env.get("HEADWATER_ARTIFACTS") or str(home / "artifacts")
        return cls(home=home, database_url=database_url, artifacts_url=artifacts_url, reason=reason)


def _find_home(start: Path, env: Mapping[str, str]) -> tuple[Path, str]:
    if env.get("HEADWATER_HOME"):
        return (start / Path(env["HEADWATER_HOME"]).expanduser()).resolve(), "HEADWATER_HOME is set"
    pyproject = find_pyproject(start)
    if pyproject is not None:
        configured = read_tool_config(pyproject).get("home")
        if configured is not None:
            if not isinstance(configured, str) or not configured:
                raise ConfigError(f"{pyproject}: [tool.headwater] home must be a folder path, got {configured!r}")
            home = (pyproject.parent / Path(configured).expanduser()).resolve()
            return home, f"[tool.headwater] home in {pyproject}"
    ceiling = pyproject.parent if pyproject is not None else None
    for folder in _up_to(start, ceiling):
        if (folder / HOME_FOLDER).is_dir():
            return folder / HOME_FOLDER, f"the nearest {HOME_FOLDER} folder up from {start}"
    if pyproject is not None:
        return pyproject.parent / HOME_FOLDER, f"next to {pyproject}"
    return start / HOME_FOLDER, f"no pyproject.toml or {HOME_FOLDER} folder above {start}: the current folder"


def _up_to(start: Path, ceiling: Path | None) -> list[Path]:
    """``start`` and its parents, up to and including ``ceiling`` (or the root)."""
    folders = [start]
    for parent in start.parents:
        if folders[-1] == ceiling:
            break
        folders.append(parent)
    return folders


def find_pyproject(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (default: the current folder) or above."""
    folder = Path(start if start is not None else os.getcwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def read_tool_config(pyproject: Path) -> dict[str, object]:
    """The ``[tool.headwater]`` table of ``pyproject`` (empty when it has none).

    Raises:
        ConfigError: the file is not valid TOML.
    """
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from exc
    tool = data.get("tool", {})
    config = tool.get("headwater", {}) if isinstance(tool, dict) else {}
    return dict(config) if isinstance(config, dict) else {}
