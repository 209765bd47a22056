"""Looking after the artifact store: verifying every stored value, collecting garbage.

``verify`` hashes every file the run store references (or those of some assets) in full and
reports each damaged one; a file whose hash fails is moved aside (``<file>.corrupt``) so the
next run recomputes it (see :mod:`headwater.storage.integrity`). ``collect_garbage`` removes
the temporary files of killed writes and the files no materialization references (damaged
files moved aside among them). Both take the stores through their protocols.

Garbage collection assumes one run store per artifact store, and it spares every file
younger than ``min_age`` (an hour by default): a run in progress writes its artifact before
it records the materialization that references it.

Example::

    damaged = [c for c in verify(instance.store, instance.artifacts) if c.damage]
    report = collect_garbage(instance.store, instance.artifacts, dry_run=True)
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from headwater.storage.artifacts import TEMPORARY_MAX_AGE, FsspecArtifactStore
from headwater.storage.base import MaterializationIndex

__all__ = ["ArtifactCheck", "GarbageReport", "collect_garbage", "verify"]


@dataclass(frozen=True, slots=True)
class ArtifactCheck:
    """The full check of one stored file.

    Attributes:
        asset_key: the asset it stores.
        data_version: the version recorded for it.
        uri: the file.
        run_ids: the runs whose materializations reference it, newest first.
        damage: None when intact, else what is wrong.
    """

    asset_key: str
    data_version: str
    uri: str
    run_ids: tuple[str, ...]
    damage: str | None


@dataclass(frozen=True, slots=True)
class GarbageReport:
    """What garbage collection removed (or, with ``dry_run``, would remove).

    Attributes:
        temporary: temporary files of killed writes.
        unreferenced: stored files no materialization references.
        bytes_freed: their total size.
    """

    temporary: list[str] = field(default_factory=list)
    unreferenced: list[str] = field(default_factory=list)
    bytes_freed: int = 0


def verify(
    index: MaterializationIndex, artifacts: FsspecArtifactStore, asset_keys: Iterable[str] | None = None
) -> list[ArtifactCheck]:
    """Hash every stored file of ``asset_keys`` (all assets when None) against its data version.

    Returns:
        One check per distinct file, by asset key then newest first.
    """
    keys = sorted(set(asset_keys)) if asset_keys is not None else [None]
    by_uri: dict[str, list[str]] = {}
    first: dict[str, tuple[str, str, int]] = {}
    for key in keys:
        for m in index.get_materializations(key):
            by_uri.setdefault(m.artifact_uri, []).append(m.run_id)
            first.setdefault(m.artifact_uri, (m.asset_key, m.data_version, m.size_bytes))
    checks = []
    for uri, run_ids in by_uri.items():
        asset_key, data_version, size = first[uri]
        damage = artifacts.verify(uri, size_bytes=size, data_version=data_version)
        checks.append(ArtifactCheck(asset_key, data_version, uri, tuple(run_ids), damage))
    return sorted(checks, key=lambda c: c.asset_key)


def collect_garbage(
    index: MaterializationIndex,
    artifacts: FsspecArtifactStore,
    *,
    min_age: float = TEMPORARY_MAX_AGE,
    dry_run: bool = False,
) -> GarbageReport:
    """Remove temporary files of killed writes and stored files nothing references.

    Args:
        index: the run store whose materializations say which files are in use.
        artifacts: the (local) artifact store to clean.
        min_age: seconds; younger files are spared (a run may be about to reference them),
            except temporary files whose writer on this host is gone.
        dry_run: only report.
    """
    sizes: dict[str, int] = {}

    def size_of(path: str) -> int:
        try:
            return os.stat(path).st_size
        except OSError:
            return 0

    temporary = artifacts.sweep_temporary(max_age=min_age, dry_run=True)
    for path in temporary:
        sizes[path] = size_of(path)
    referenced = {artifacts.local_path(uri) for uri in index.referenced_artifacts()}
    now = time.time()
    unreferenced = []
    for path in artifacts.stored_files():
        if path in referenced:  # both normalised by the store
            continue
        try:
            stat = os.stat(path)
        except OSError:
            continue
        if now - stat.st_mtime > min_age:
            unreferenced.append(path)
            sizes[path] = stat.st_size
    if not dry_run:
        temporary = artifacts.sweep_temporary(max_age=min_age)
        for path in list(unreferenced):
            try:
                os.unlink(path)
            except OSError:
                unreferenced.remove(path)
    freed = sum(sizes.get(path, 0) for path in [*temporary, *unreferenced])
    return GarbageReport(sorted(temporary), sorted(unreferenced), freed)
