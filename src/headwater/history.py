"""Fetching past values back: any stored model or frame, by asset and version.

::

    import headwater
    model = headwater.load("trained_model")                   # the latest
    older = headwater.load("trained_model", version="5d10")   # a data-version prefix
    day = headwater.load("daily_events", partition_key="2026-01-05")   # a partition's latest
    model = headwater.load("iris_classic.train", key="model")  # an XCom the task pushed
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from headwater.definitions.asset import key_of
from headwater.definitions.graph import close_matches
from headwater.errors import ArtifactNotFound
from headwater.planning.lineage import find_materialization

if TYPE_CHECKING:
    from headwater.storage.instance import Instance

__all__ = ["load"]


def load(
    asset_key: object,
    version: str | None = None,
    *,
    key: str | None = None,
    map_index: int | None = None,
    instance: Instance | None = None,
    partition_key: str | None = None,
) -> Any:
    """The stored value of an asset or task: its latest materialization, or the one at ``version``.

    Args:
        asset_key: the key, an ``AssetKey`` or the asset function.
        version: a data version (or an unambiguous prefix of one); the latest when None.
        key: an XCom key the task pushed (in the run of that materialization); its return
            value when None or ``return_value``.
        map_index: which mapped instance's XCom; the list of all of them when None.
        instance: the stores to read; those of ``HEADWATER_HOME`` when None.
        partition_key: the partition of a partitioned asset whose latest value to load.

    Raises:
        ArtifactNotFound: never materialized, no such version, or no such XCom key.
        ArtifactCorrupt: the stored file is missing or damaged.
    """
    name = key_of(asset_key)
    if instance is not None:
        return _load(instance, name, version, key, map_index, partition_key)
    from headwater.storage.instance import Instance

    opened = Instance.get()
    try:
        return _load(opened, name, version, key, map_index, partition_key)
    finally:
        opened.close()


def _load(
    instance: Instance, name: str, version: str | None, key: str | None, map_index: int | None, partition: str | None
) -> Any:
    found = find_materialization(instance.store, name, version, partition=partition)
    if key is None or key == _RETURN_VALUE:
        return _read(instance, found.artifact_uri, found.serializer, found.size_bytes, found.data_version, found.run_id)
    pushed = instance.store.get_xcoms([(found.run_id, name)])
    matching = [x for x in pushed if x.key == key and (map_index is None or x.map_index == map_index)]
    if not matching:
        keys = sorted({x.key for x in pushed})
        at = "" if map_index is None else f" at map index {map_index}"
        known = f"; it pushed {', '.join(repr(k) for k in keys)}." if keys else "; it pushed no XCom."
        raise ArtifactNotFound(
            f"{name!r} pushed no XCom {key!r}{at} in run {found.run_id}{known}{close_matches(key, keys)}"
        )
    values = [_read(instance, x.artifact_uri, x.serializer, x.size_bytes, x.data_version, x.run_id) for x in matching]
    mapped = map_index is None and any(x.map_index >= 0 for x in matching)
    return values if mapped else values[0]


def _read(instance: Instance, uri: str, serializer: str, size: int, data_version: str, run_id: str) -> Any:
    """A stored value, checked against its size and data version."""
    return instance.artifacts.get(uri, serializer, size_bytes=size, data_version=data_version, run_id=run_id)


_RETURN_VALUE = "return_value"
