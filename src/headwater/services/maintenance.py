"""Looking after the stores: verify stored values in full, collect garbage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from headwater.errors import StorageError

if TYPE_CHECKING:
    from headwater.storage.instance import Instance
    from headwater.storage.maintenance import ArtifactCheck, GarbageReport

__all__ = ["collect_garbage", "verify_values"]


def verify_values(instance: Instance, asset_keys: Sequence[str] | None = None) -> list[ArtifactCheck]:
    """Hash every stored value (of ``asset_keys``, or all) in full against its data version;
    a damaged file is moved aside so the next run recomputes it."""
    from headwater.storage.maintenance import verify

    return verify(instance.store, instance.artifacts, list(asset_keys) if asset_keys else None)


def collect_garbage(instance: Instance, *, min_age: float = 3600.0, dry_run: bool = False) -> GarbageReport:
    """Remove temporary files of killed writes and stored files nothing references.

    Raises:
        StorageError: the artifact store is not local.
    """
    from headwater.storage.maintenance import collect_garbage as collect

    if not instance.artifacts.is_local:
        raise StorageError(f"gc works on a local artifact store; {instance.artifacts.root} is remote")
    return collect(instance.store, instance.artifacts, min_age=min_age, dry_run=dry_run)
