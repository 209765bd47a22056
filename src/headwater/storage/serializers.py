"""Serializers, picked by the type of the value, each importing its library only when used.

Every serializer writes **deterministic bytes**: equal values give equal files, because the
artifact store hashes the bytes into the data version that staleness checks compare.

=================  =================================  ==========================================
name               chosen for                         format
=================  =================================  ==========================================
``polars_parquet`` ``polars.DataFrame``               Parquet (snappy)
``parquet``        ``pandas.DataFrame``               Parquet via pyarrow (snappy), index kept
``npy``            ``numpy.ndarray`` (not object)     ``.npy``, ``allow_pickle=False``
``skops``          scikit-learn estimators            skops zip, canonicalised (joblib fallback)
``json``           None/bool/int/finite float/str,    compact JSON with sorted keys
                   lists and str-keyed dicts of them
``collection``     tuple/list/dict holding non-JSON   a zip: ``manifest.json`` plus one entry
                   values, and every tuple            per element, each with its own serializer
``cloudpickle``    anything else                      cloudpickle
``joblib``         only as the skops fallback         joblib
=================  =================================  ==========================================

Selection never imports a library the value cannot belong to: a value is only tested against
pandas when its type's module starts with ``pandas`` (so ``import pandas`` has happened
already). Users override the choice by name (``io="cloudpickle"``); the engine passes it as
``serializer=``.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from headwater.errors import StorageError

__all__ = ["SERIALIZERS", "Serializer", "get_serializer", "serializer_for"]

#: A fixed timestamp for zip entries, so zips are byte-for-byte reproducible.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Serializer:
    """One way to turn a value into bytes and back.

    Attributes:
        name: the registry name, stored with each materialization.
        extension: the file extension, without the dot.
        dump: ``dump(value, file)`` writes the value to a binary file object that may not
            be seekable.
        load: ``load(file)`` reads a value back from a seekable binary file object.
        fallback: the serializer to retry with when an automatically chosen ``dump`` fails.
    """

    name: str
    extension: str
    dump: Callable[[Any, IO[bytes]], None]
    load: Callable[[IO[bytes]], Any]
    fallback: str | None = None


def _module_startswith(value: Any, *prefixes: str) -> bool:
    module = type(value).__module__ or ""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


# -- JSON -------------------------------------------------------------------------------------


def is_jsonable(value: Any, _depth: int = 0) -> bool:
    """True when ``value`` survives a JSON round trip unchanged (same types, same values)."""
    if _depth > 100:
        return False
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(is_jsonable(v, _depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and is_jsonable(v, _depth + 1) for k, v in value.items())
    return False


def _json_dump(value: Any, file: IO[bytes]) -> None:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    file.write(text.encode("utf-8"))


def _json_load(file: IO[bytes]) -> Any:
    return json.loads(file.read())


# -- pickles ----------------------------------------------------------------------------------


def _cloudpickle_dump(value: Any, file: IO[bytes]) -> None:
    import cloudpickle

    cloudpickle.dump(value, file, protocol=5)


def _cloudpickle_load(file: IO[bytes]) -> Any:
    import pickle

    return pickle.load(file)


def _joblib_dump(value: Any, file: IO[bytes]) -> None:
    import joblib

    joblib.dump(value, file)


def _joblib_load(file: IO[bytes]) -> Any:
    import joblib

    return joblib.load(file)


# -- frames and arrays ------------------------------------------------------------------------


def _parquet_dump(value: Any, file: IO[bytes]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(value), file, compression="snappy")


def _parquet_load(file: IO[bytes]) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(_native_source(file)).to_pandas()


def _native_source(file: IO[bytes]) -> Any:
    """A local file's own path, so pyarrow reads it with its native, memory-mapped I/O
    (several times faster than through a Python file object); any other file as it is."""
    name = getattr(file, "name", None)
    if isinstance(file, io.BufferedReader) and isinstance(name, str) and os.path.isfile(name):
        import pyarrow as pa

        return pa.memory_map(name, "r")
    return file


def _polars_dump(value: Any, file: IO[bytes]) -> None:
    value.write_parquet(file, compression="snappy", statistics=False)


def _polars_load(file: IO[bytes]) -> Any:
    import polars

    return polars.read_parquet(file)


def _npy_dump(value: Any, file: IO[bytes]) -> None:
    import numpy

    numpy.save(file, value, allow_pickle=False)


def _npy_load(file: IO[bytes]) -> Any:
    import numpy

    return numpy.load(file, allow_pickle=False)


# -- scikit-learn -----------------------------------------------------------------------------


def _skops_dump(value: Any, file: IO[bytes]) -> None:
    import skops.io

    file.write(_canonical_skops(skops.io.dumps(value)))


def _canonical_skops(data: bytes) -> bytes:
    """Rewrite a skops zip so equal models give equal bytes.

    skops names array entries and ``__id__`` fields by ``id(obj)`` and stamps entries with
    the current time; renumber the ids in order of first appearance and fix the times.
    """
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as src:
        schema = json.loads(src.read("schema.json"))
        entries = {name: src.read(name) for name in src.namelist() if name != "schema.json"}
    ids: dict[str, str] = {}

    def renumber(old: str) -> str:
        return ids.setdefault(old, str(len(ids)))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                if key == "__id__" and isinstance(child, int):
                    node[key] = int(renumber(str(child)))
                elif key == "file" and isinstance(child, str) and child in entries:
                    stem, _, ext = child.partition(".")
                    node[key] = f"{renumber(stem)}.{ext}"
                else:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as dst:
        for old in sorted(entries, key=lambda n: int(ids.get(n.partition(".")[0], "-1"))):
            stem, _, ext = old.partition(".")
            new = f"{ids[stem]}.{ext}" if stem in ids else old
            dst.writestr(zipfile.ZipInfo(new, ZIP_EPOCH), entries[old])
        text = json.dumps(schema, indent=2).encode("utf-8")
        dst.writestr(zipfile.ZipInfo("schema.json", ZIP_EPOCH), text)
    return out.getvalue()


def _skops_load(file: IO[bytes]) -> Any:
    import skops.io

    data = file.read()
    # We wrote this file ourselves, so every type it names is one we serialized.
    return skops.io.loads(data, trusted=skops.io.get_untrusted_types(data=data))


def _is_estimator(value: Any) -> bool:
    if "sklearn" not in sys.modules:
        return False
    from sklearn.base import BaseEstimator

    return isinstance(value, BaseEstimator)


# -- collections ------------------------------------------------------------------------------

_CONTAINERS: dict[type, str] = {tuple: "tuple", list: "list", dict: "dict"}


def _is_collection(value: Any) -> bool:
    kind = type(value)
    if kind not in _CONTAINERS:
        return False
    if kind is dict:
        return all(type(k) in (str, int) for k in value)
    return True


def _collection_dump(value: Any, file: IO[bytes]) -> None:
    import zipfile

    container = _CONTAINERS[type(value)]
    keys = list(value) if container == "dict" else None
    items = list(value.values()) if container == "dict" else list(value)
    manifest: dict[str, Any] = {"container": container, "keys": keys, "items": []}
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as zf:
        for index, item in enumerate(items):
            serializer = serializer_for(item)
            buffer = io.BytesIO()
            serializer.dump(item, buffer)
            name = f"{index}.{serializer.extension}"
            zf.writestr(zipfile.ZipInfo(name, ZIP_EPOCH), buffer.getvalue())
            manifest["items"].append({"name": name, "serializer": serializer.name})
        text = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
        zf.writestr(zipfile.ZipInfo("manifest.json", ZIP_EPOCH), text.encode("utf-8"))


def _collection_load(file: IO[bytes]) -> Any:
    import zipfile

    with zipfile.ZipFile(file) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        items = [
            get_serializer(entry["serializer"]).load(io.BytesIO(zf.read(entry["name"])))
            for entry in manifest["items"]
        ]
    container = manifest["container"]
    if container == "dict":
        return dict(zip(manifest["keys"], items, strict=True))
    return tuple(items) if container == "tuple" else items


# -- registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, Serializer] = {
    s.name: s
    for s in (
        Serializer("polars_parquet", "parquet", _polars_dump, _polars_load, "cloudpickle"),
        Serializer("parquet", "parquet", _parquet_dump, _parquet_load, "cloudpickle"),
        Serializer("npy", "npy", _npy_dump, _npy_load, "cloudpickle"),
        Serializer("skops", "skops", _skops_dump, _skops_load, "joblib"),
        Serializer("joblib", "joblib", _joblib_dump, _joblib_load, "cloudpickle"),
        Serializer("json", "json", _json_dump, _json_load),
        Serializer("collection", "zip", _collection_dump, _collection_load),
        Serializer("cloudpickle", "pkl", _cloudpickle_dump, _cloudpickle_load),
    )
}

#: Every registered serializer name.
SERIALIZERS: tuple[str, ...] = tuple(_REGISTRY)


def serializer_for(value: Any) -> Serializer:
    """The serializer Headwater picks for ``value`` by its type.

    Never imports a data library the value does not already come from.
    """
    if _module_startswith(value, "polars"):
        import polars

        if isinstance(value, polars.DataFrame):
            return _REGISTRY["polars_parquet"]
    if _module_startswith(value, "pandas"):
        import pandas

        if isinstance(value, pandas.DataFrame):
            return _REGISTRY["parquet"]
    if _module_startswith(value, "numpy"):
        import numpy

        if type(value) is numpy.ndarray and not value.dtype.hasobject:
            return _REGISTRY["npy"]
    if _is_estimator(value):
        return _REGISTRY["skops"]
    if is_jsonable(value):
        return _REGISTRY["json"]
    if _is_collection(value):
        return _REGISTRY["collection"]
    return _REGISTRY["cloudpickle"]


def get_serializer(name: str) -> Serializer:
    """The serializer registered as ``name``.

    Raises:
        StorageError: no serializer has that name; the message lists the known ones.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise StorageError(
            f"unknown serializer {name!r}; known serializers: {', '.join(SERIALIZERS)}"
        ) from None
