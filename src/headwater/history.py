"""Fetching past values back: any stored model or frame, by asset and version.

::

    import headwater
    model = headwater.load("trained_model")                   # the latest
    older = headwater.load("trained_model", version="5d10")   # a data-version prefix
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from headwater.definitions.asset import key_of
from headwater.planning.lineage import find_materialization

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["load"]


def load(asset_key: object, version: str | None = None, *, instance: Instance | None = None) -> Any:
    """The stored value of an asset: its latest materialization, or the one at ``version``.

    Args:
        asset_key: the key, an ``AssetKey`` or the asset function.
        version: a data version (or an unambiguous prefix of one); the latest when None.
        instance: the stores to read; those of ``HEADWATER_HOME`` when None.

    Raises:
        ArtifactNotFound: never materialized, or no such version.
        ArtifactCorrupt: the stored file is missing or damaged.
    """
    key = key_of(asset_key)
    if instance is not None:
        return _load(instance, key, version)
    from headwater.storage.instance import Instance

    opened = Instance.get()
    try:
        return _load(opened, key, version)
    finally:
        opened.close()


def _load(instance: Instance, key: str, version: str | None) -> Any:
    found = find_materialization(instance.store, key, version)
    return instance.artifacts.get(
        found.artifact_uri,
        found.serializer,
        size_bytes=found.size_bytes,
        data_version=found.data_version,
        run_id=found.run_id,
    )
