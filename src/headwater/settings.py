"""Where Headwater keeps things, read once from the environment.

``HEADWATER_HOME`` (default ``./.headwater``) holds the embedded SQLite run store
(``headwater.db``) and the local artifact folder (``artifacts/``).
``HEADWATER_DATABASE_URL`` points the run store elsewhere (``postgresql+psycopg://...``);
``HEADWATER_ARTIFACTS`` points the artifact store at any fsspec URL (``s3://bucket/path``,
a shared mount). Standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved locations of the run store and the artifact store."""

    home: Path
    database_url: str
    artifacts_url: str

    @classmethod
    def from_env(cls, home: str | os.PathLike[str] | None = None) -> Settings:
        """Read ``HEADWATER_*`` variables.

        An explicit ``home`` wins over the environment entirely: both stores live under it.
        """
        env = {} if home is not None else os.environ
        root = Path(home if home is not None else env.get("HEADWATER_HOME", ".headwater"))
        root = root.expanduser().resolve()
        database_url = env.get("HEADWATER_DATABASE_URL") or f"sqlite:///{root / 'headwater.db'}"
        artifacts_url = env.get("HEADWATER_ARTIFACTS") or str(root / "artifacts")
        return cls(home=root, database_url=database_url, artifacts_url=artifacts_url)
