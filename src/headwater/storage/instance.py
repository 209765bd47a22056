"""``Instance``: the run store and the artifact store of one Headwater home, opened together.

Entry points (CLI, web, ``materialize``) build one from :class:`~headwater.settings.Settings`
and pass it down; there is no global instance cache. Importing this module is light: the
SQL store (and SQLAlchemy) load when an instance is constructed.

Example::

    with Instance.ephemeral() as instance:      # a throw-away home in a temp folder
        instance.store.list_runs()
        instance.artifacts.put("numbers", [1, 2, 3])
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from headwater.settings import Settings

if TYPE_CHECKING:
    from headwater.storage.artifacts import FsspecArtifactStore
    from headwater.storage.records import Materialization
    from headwater.storage.sql.store import SqlStore

__all__ = ["Instance"]


class Instance:
    """The stores of one Headwater home.

    Args:
        settings: where the stores live.
        store: an open run store for ``settings.database_url``.
        artifacts: the artifact store for ``settings.artifacts_url``; opened on first use
            when None (a listing of runs never reads a stored value).
        cleanup: a folder removed by :meth:`close` (set by :meth:`ephemeral`).
    """

    def __init__(
        self,
        settings: Settings,
        store: SqlStore,
        artifacts: FsspecArtifactStore | None = None,
        *,
        cleanup: Path | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._artifacts = artifacts
        self._cleanup = cleanup
        self._closed = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, temporary_max_age: float | None = None, sweep: bool = True
    ) -> Instance:
        """Open the stores that ``settings`` names (creating a fresh SQLite store if needed).

        Opening also removes the temporary files of killed writes from a local artifact
        store's writing folder: those whose writer on this host is gone, and any older than
        ``temporary_max_age`` seconds (default: the artifact store's). ``sweep=False`` skips
        that, for readers (a listing) that write nothing; the artifact store is then opened
        on first use.

        Raises:
            StoreMigrationNeeded: the database's schema is unknown to this Headwater.
            StorageError: a store cannot be opened.
        """
        from headwater.storage.sql.store import SqlStore

        if not sweep:
            return cls(settings, SqlStore(settings.database_url))
        from headwater.storage.artifacts import TEMPORARY_MAX_AGE, FsspecArtifactStore

        artifacts = FsspecArtifactStore(settings.artifacts_url)
        max_age = TEMPORARY_MAX_AGE if temporary_max_age is None else temporary_max_age
        artifacts.sweep_temporary(max_age=max_age, everywhere=False)
        return cls(settings, SqlStore(settings.database_url), artifacts)

    @classmethod
    def get(cls, home: str | os.PathLike[str] | None = None, *, sweep: bool = True) -> Instance:
        """Open the instance of ``home``, or of ``HEADWATER_*`` from the environment
        (``sweep`` as for :meth:`from_settings`)."""
        return cls.from_settings(Settings.from_env(home), sweep=sweep)

    @classmethod
    def ephemeral(cls) -> Instance:
        """A fresh instance in a temporary folder, removed again by :meth:`close`."""
        home = Path(tempfile.mkdtemp(prefix="headwater-"))
        try:
            instance = cls.from_settings(Settings.from_env(home))
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise
        instance._cleanup = home
        return instance

    @property
    def artifacts(self) -> FsspecArtifactStore:
        """The artifact store (opened on first use when the instance was made without one)."""
        if self._artifacts is None:
            from headwater.storage.artifacts import FsspecArtifactStore

            self._artifacts = FsspecArtifactStore(self.settings.artifacts_url)
        return self._artifacts

    @property
    def read_only(self) -> bool:
        """Whether the run store can only be read here: listings work, runs refuse to start."""
        return self.store.read_only

    def check_artifact(self, materialization: Materialization) -> str | None:
        """Why ``materialization``'s stored value cannot be reused, or None when it is intact.

        The artifact check of the staleness rule: a run and ``headwater assets list`` both
        pass it, so a lost or damaged value is stale in both. It is the artifact store's
        quick check (presence, size, and the hash of files up to 1 MiB changed since they
        were recorded; see
        :mod:`headwater.storage.integrity`), and it says ``"missing"`` or
        ``"damaged: size mismatch: expected 9 bytes, found 3"``.
        """
        m = materialization
        damage = self.artifacts.check(
            m.artifact_uri, size_bytes=m.size_bytes, data_version=m.data_version, recorded_at=m.created_at
        )
        if damage is None or damage == "missing":
            return damage
        return f"damaged: {damage}"

    def close(self) -> None:
        """Close the run store; an ephemeral instance also deletes its folder."""
        if self._closed:
            return
        self._closed = True
        self.store.close()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)

    def __enter__(self) -> Instance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Instance(home={str(self.settings.home)!r})"
