"""The artifact store: values kept as content-addressed files, written atomically, read verified.

``put`` serializes a value into a temporary file (``.tmp-<host>-<pid>-<hex>``), hashing the
bytes as they are written (BLAKE3, 16 bytes). The hex digest is the **data version**, and the
file is then renamed to ``{root}/{asset_key}/{data_version}.{ext}`` (``/`` in an asset key
makes sub-folders). A local store writes its temporary files in one folder,
``{root}/~writing`` (``~`` is in no asset key), so finding those of killed writes lists that
folder alone; an asset folder on another file system (a link to another disk) gets its file
copied there first, as a rename cannot cross file systems. Equal values therefore land on the same file; the
rename replaces a file already there, so writing a value again also repairs a damaged copy.
Any failure removes the temporary file, so a reader never sees a half-written artifact.

``get`` checks the file against its recorded size and data version before deserializing it
(see :mod:`headwater.storage.integrity`) and raises
:class:`~headwater.errors.ArtifactCorrupt` naming the asset, the file and the run when it is
missing, truncated or its bytes hash to another version; a file whose hash fails is moved
aside (``<file>.corrupt``), so the next run's up-to-date check sees it gone and recomputes it.
An intact file that cannot be loaded here (a pickled class whose module is not importable)
is a :class:`~headwater.errors.StorageError` saying what is missing, never "corrupt".

A process killed in the middle of a write leaves its temporary file behind.
:meth:`FsspecArtifactStore.sweep_temporary` removes those of writers that are gone (same host,
process no longer alive) and any older than ``max_age``: the instance calls it on open, for
the writing folder alone (a listing of one folder, however large the store), and
``headwater gc`` calls it for every folder (temporaries of remote stores' writes, or of
writes made before the writing folder existed, sit beside their targets).

A local folder (a plain path or ``file://``) goes through ``os`` directly, because the
per-step cost matters (a small JSON put costs tens of microseconds) and importing fsspec
costs milliseconds. Any other URL (``s3://``, ``gs://``, ``memory://``) goes through fsspec.

Example::

    store = FsspecArtifactStore(".headwater/artifacts")
    stored = store.put("models/churn", {"auc": 0.91})
    store.get(stored.uri, stored.serializer, size_bytes=stored.size_bytes, data_version=stored.data_version)
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from headwater.errors import ArtifactCorrupt, StorageError
from headwater.storage.integrity import (
    CORRUPT_SUFFIX,
    damage,
    digest_of,
    expected_version,
    hash_file,
    new_hasher,
)
from headwater.storage.processes import process_alive
from headwater.storage.serializers import Serializer, get_serializer, serializer_for

__all__ = ["TEMPORARY_MAX_AGE", "WRITING_FOLDER", "FsspecArtifactStore", "StoredArtifact"]

#: Temporary files older than this (seconds) are removed whoever wrote them.
TEMPORARY_MAX_AGE = 3600.0
_TMP_PREFIX = ".tmp-"
#: the folder under a local root where writes are made before their rename into place
WRITING_FOLDER = "~writing"
#: this host, as temporary file names carry it (so a sweep knows whose writers it can see)
_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    """Where ``put`` stored a value, and its content hash (the data version)."""

    uri: str
    serializer: str
    size_bytes: int
    data_version: str


class _HashingWriter:
    """A write-only, non-seekable file that hashes and counts bytes on their way through."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        # BLAKE3: a content hash as strong as BLAKE2 and several times faster on large
        # artifacts (a 120 MB frame hashes in ~30 ms, not ~140 ms).
        self._hash = new_hasher()
        self._size = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._hash.update(view)
        self._file.write(view)
        self._size += len(view)
        return len(view)

    def tell(self) -> int:
        return self._size

    def seek(self, *args: Any) -> int:
        raise io.UnsupportedOperation("seek")

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        """Libraries may close the sink they were given; the store closes the real file."""

    def hexdigest(self) -> str:
        return digest_of(self._hash)


def _check_key(asset_key: str) -> str:
    parts = asset_key.split("/")
    if not asset_key or any(p in ("", ".", "..") or "\\" in p for p in parts):
        raise StorageError(
            f"invalid asset key {asset_key!r} for the artifact store: use non-empty names "
            "separated by '/', without '.', '..' or backslashes"
        )
    return asset_key


class FsspecArtifactStore:
    """Values as content-addressed files under a local folder or any fsspec URL.

    Args:
        url: a folder path, ``file://`` URL, or fsspec URL (``s3://bucket/prefix``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        if "://" not in url or url.startswith("file://"):
            path = url.removeprefix("file://")
            self._root = str(Path(path).expanduser().resolve())
            self._fs: Any = None
        else:
            from fsspec.core import url_to_fs

            self._fs, root = url_to_fs(url)
            self._root = root.rstrip("/")
        self._made: set[str] = set()

    @property
    def is_local(self) -> bool:
        """True for a folder on this machine (invisible to workers on other machines)."""
        return self._fs is None

    @property
    def root(self) -> str:
        """The absolute folder (local) or the URL of the root (remote)."""
        return self._root if self._fs is None else self._fs.unstrip_protocol(self._root)

    def __repr__(self) -> str:
        return f"FsspecArtifactStore({self.root!r})"

    # -- writing ---------------------------------------------------------------------------

    def put(self, asset_key: str, value: Any, *, serializer: str | None = None) -> StoredArtifact:
        """Store ``value`` atomically under ``asset_key``; the content hash names the file.

        Args:
            asset_key: the asset (``/`` makes sub-folders).
            value: anything; the serializer is chosen by its type unless named.
            serializer: a registered serializer name that overrides the choice.

        Raises:
            StorageError: the value cannot be serialized or the file cannot be written.
        """
        folder = f"{self._root}/{_check_key(asset_key)}"
        chosen = get_serializer(serializer) if serializer else serializer_for(value)
        while True:
            try:
                return self._write(folder, chosen, value)
            except StorageError:
                raise
            except OSError as exc:
                raise StorageError(
                    f"cannot write the artifact of {asset_key!r} under {self.root}: {exc}"
                ) from exc
            except Exception as exc:
                if serializer is None and chosen.fallback is not None:
                    chosen = get_serializer(chosen.fallback)  # e.g. skops -> joblib
                    continue
                raise StorageError(
                    f"cannot serialize the value of {asset_key!r} "
                    f"({type(value).__module__}.{type(value).__qualname__}) with "
                    f"{chosen.name!r}: {type(exc).__name__}: {exc}"
                ) from exc

    def _write(self, folder: str, chosen: Serializer, value: Any) -> StoredArtifact:
        if self._fs is not None:
            return self._write_remote(folder, chosen, value)
        writing = f"{self._root}/{WRITING_FOLDER}"
        for needed in (writing, folder):
            if needed not in self._made:
                os.makedirs(needed, exist_ok=True)
                self._made.add(needed)
        tmp = _temporary_name(writing)
        try:
            try:
                file = open(tmp, "wb")  # noqa: SIM115 -- closed below, before the rename
            except FileNotFoundError:  # the folder was removed behind our back
                os.makedirs(writing, exist_ok=True)
                file = open(tmp, "wb")  # noqa: SIM115
            with file:
                writer = _HashingWriter(file)
                chosen.dump(value, writer)  # type: ignore[arg-type]
            version = writer.hexdigest()
            target = f"{folder}/{version}.{chosen.extension}"
            # Replace even when the same content is stored already: that copy may be damaged,
            # and the rename is atomic for readers holding the old file open.
            _move_into_place(tmp, target, folder)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return StoredArtifact(target, chosen.name, writer.tell(), version)

    def _write_remote(self, folder: str, chosen: Serializer, value: Any) -> StoredArtifact:
        fs = self._fs
        tmp = _temporary_name(folder)
        try:
            with fs.open(tmp, "wb") as file:
                writer = _HashingWriter(file)
                chosen.dump(value, writer)  # type: ignore[arg-type]
            version = writer.hexdigest()
            target = f"{folder}/{version}.{chosen.extension}"
            fs.mv(tmp, target)  # over an existing copy too, which may be damaged
        except BaseException:
            try:
                if fs.exists(tmp):
                    fs.rm(tmp)
            except Exception:  # noqa: BLE001 -- best-effort cleanup; the original error wins
                pass
            raise
        return StoredArtifact(fs.unstrip_protocol(target), chosen.name, writer.tell(), version)

    # -- reading ---------------------------------------------------------------------------

    def _path(self, uri: str) -> str:
        return uri.removeprefix("file://") if self._fs is None else uri

    def local_path(self, uri: str) -> str:
        """The normalised path of ``uri`` in a local store (as :meth:`stored_files` gives it)."""
        return os.path.normpath(self._path(uri))

    def get(
        self,
        uri: str,
        serializer: str,
        *,
        size_bytes: int | None = None,
        data_version: str | None = None,
        run_id: str | None = None,
    ) -> Any:
        """Load the value stored at ``uri``, after checking its size and content hash.

        Args:
            uri: as returned in :attr:`StoredArtifact.uri`.
            serializer: the serializer name it was stored with.
            size_bytes: when given, the file's size must match.
            data_version: the recorded data version its bytes must hash to; by default the
                version its file name carries (files not named by a hash are not checked).
            run_id: the run that stored it, named in errors.

        Raises:
            ArtifactCorrupt: the file is missing, has the wrong size, hashes to another
                version, or (unchecked files only) cannot be deserialized.
            StorageError: ``serializer`` names no known serializer, or the file is intact
                but cannot be loaded here (a module its value needs is not importable).
        """
        chosen = get_serializer(serializer)
        path = self._path(uri)
        expected = expected_version(uri, data_version)
        try:
            file = open(path, "rb") if self._fs is None else self._fs.open(path, "rb")  # noqa: SIM115
        except FileNotFoundError as exc:
            reason = damage(path, size_bytes=None, data_version=None) if self._fs is None else "missing"
            raise self._corrupt(uri, run_id, reason or "missing") from exc
        except OSError as exc:
            raise self._corrupt(uri, run_id, f"cannot be opened: {exc}") from exc
        with file:
            actual = os.fstat(file.fileno()).st_size if self._fs is None else cast(Any, file).size
            if size_bytes is not None and actual != size_bytes:
                raise self._corrupt(
                    uri, run_id, f"size mismatch, expected {size_bytes} bytes, found {actual} (truncated or overwritten)"
                )
            source: IO[bytes] = file
            if expected is not None:
                if self._fs is None:
                    found = hash_file(file, actual)
                else:
                    source = io.BytesIO(file.read())
                    hasher = new_hasher()
                    hasher.update(source.getbuffer())
                    found = digest_of(hasher)
                if found != expected:
                    moved = self._move_aside(path)
                    raise self._corrupt(
                        uri, run_id,
                        f"content hash mismatch: its bytes hash to {found[:12]}…, its data version is "
                        f"{expected[:12]}… (changed after it was written)"
                        + (f"; moved aside to {moved}, the next run recomputes it" if moved else ""),
                        reason="content hash mismatch",
                    )
            try:
                return chosen.load(source)
            except ModuleNotFoundError as exc:
                raise StorageError(
                    f"cannot load the stored value of {self._asset_of(uri)!r} ({uri}): it needs the module "
                    f"{exc.name!r}, which cannot be imported here; install it or put it on the Python path"
                ) from exc
            except Exception as exc:
                if expected is None:
                    raise self._corrupt(
                        uri, run_id, f"the {chosen.name!r} deserializer failed: {type(exc).__name__}: {exc}"
                    ) from exc
                raise StorageError(
                    f"cannot load the stored value of {self._asset_of(uri)!r} ({uri}): the file is intact (its "
                    f"hash matches), but the {chosen.name!r} deserializer failed: {type(exc).__name__}: {exc}"
                ) from exc

    def check(
        self,
        uri: str,
        *,
        size_bytes: int | None,
        data_version: str | None,
        thorough: bool = False,
        recorded_at: float | None = None,
    ) -> str | None:
        """Why the file at ``uri`` is damaged, or None when it is intact.

        The quick check (default) looks at its presence and size, and hashes small files
        modified after ``recorded_at`` (all small files when it is None); ``thorough``
        hashes every file (see :mod:`headwater.storage.integrity`).
        """
        path = self._path(uri)
        if self._fs is None:
            return damage(
                path, size_bytes=size_bytes, data_version=data_version, thorough=thorough, recorded_at=recorded_at
            )
        try:
            info = self._fs.info(path)
        except FileNotFoundError:
            return "missing"
        if size_bytes is not None and info.get("size") != size_bytes:
            return f"size mismatch: expected {size_bytes} bytes, found {info.get('size')}"
        expected = expected_version(uri, data_version)
        if thorough and expected is not None:
            hasher = new_hasher()
            with self._fs.open(path, "rb") as file:
                hasher.update(file.read())
            if digest_of(hasher) != expected:
                return "content hash mismatch"
        return None

    def verify(self, uri: str, *, size_bytes: int | None, data_version: str | None) -> str | None:
        """The full check of one file; a file whose hash fails is moved aside.

        Returns:
            None when intact, else what is wrong (and where the file went).
        """
        reason = self.check(uri, size_bytes=size_bytes, data_version=data_version, thorough=True)
        if reason == "content hash mismatch":
            moved = self._move_aside(self._path(uri))
            if moved:
                reason += f" (moved aside to {moved}; the next run recomputes it)"
        return reason

    def _move_aside(self, path: str) -> str | None:
        """Rename a damaged file to ``<file>.corrupt``; where it went, or None."""
        if self._fs is not None:
            return None
        try:
            os.replace(path, path + CORRUPT_SUFFIX)
        except OSError:
            return None
        return path + CORRUPT_SUFFIX

    def _asset_of(self, uri: str) -> str:
        """The asset key a file belongs to: its folder under the root."""
        path = self._path(uri) if self._fs is None else self._fs._strip_protocol(uri)
        folder = os.path.dirname(path)
        return folder[len(self._root) + 1 :] if folder.startswith(self._root + "/") else folder

    def _corrupt(self, uri: str, run_id: str | None, detail: str, *, reason: str | None = None) -> ArtifactCorrupt:
        asset = self._asset_of(uri)
        by = f", stored by run {run_id}" if run_id else ""
        return ArtifactCorrupt(
            f"the stored value of asset {asset!r} is damaged ({uri}{by}): {detail}",
            uri=uri,
            asset_key=asset,
            run_id=run_id,
            reason=reason or detail.split(",")[0].split(":")[0],
        )

    def exists(self, uri: str) -> bool:
        """True when a file is stored at ``uri``."""
        path = self._path(uri)
        return os.path.isfile(path) if self._fs is None else bool(self._fs.exists(path))

    def delete(self, uri: str) -> None:
        """Remove the file at ``uri``; a missing file is not an error."""
        path = self._path(uri)
        try:
            if self._fs is None:
                os.unlink(path)
            else:
                self._fs.rm(path)
        except FileNotFoundError:
            pass

    # -- housekeeping ----------------------------------------------------------------------

    def sweep_temporary(
        self, *, max_age: float = TEMPORARY_MAX_AGE, dry_run: bool = False, everywhere: bool = True
    ) -> list[str]:
        """Remove the temporary files of killed writes; returns their paths.

        A temporary file is removed when the process that wrote it (named in the file name)
        ran on this host and is gone, or when it is older than ``max_age`` seconds (a writer
        on another machine, or a name from before writers were named). Local stores only; a
        remote store is left alone (the empty list).

        Args:
            max_age: seconds after which any temporary file counts as abandoned.
            dry_run: only list them.
            everywhere: look in every folder of the store; False looks in the writing folder
                alone, where this store's writes are made (what opening a store does: one
                listing, however many values are stored).
        """
        if self._fs is not None or not os.path.isdir(self._root):
            return []
        now = time.time()
        removed = []
        for path in self._walk(temporary=True) if everywhere else self._writing():
            if not _abandoned(path, now, max_age):
                continue
            if not dry_run:
                try:
                    os.unlink(path)
                except FileNotFoundError:  # its writer renamed it, or another sweep got it
                    continue
                except OSError:
                    continue  # a read-only store: nothing to do about it here
            removed.append(path)
        return removed

    def stored_files(self) -> Iterator[str]:
        """Every stored artifact file (moved-aside damaged ones included), not temporaries.

        Local stores only; a remote store yields nothing.
        """
        if self._fs is not None or not os.path.isdir(self._root):
            return iter(())
        return self._walk(temporary=False)

    def _writing(self) -> list[str]:
        """The temporary files in the writing folder."""
        writing = f"{self._root}/{WRITING_FOLDER}"
        try:
            names = os.listdir(writing)
        except FileNotFoundError:
            return []
        return [f"{writing}/{name}" for name in names if name.startswith(_TMP_PREFIX)]

    def _walk(self, *, temporary: bool) -> Iterator[str]:
        for folder, _dirs, names in os.walk(self._root):
            for name in names:
                if name.startswith(_TMP_PREFIX) == temporary:
                    yield os.path.normpath(os.path.join(folder, name))


def _move_into_place(tmp: str, target: str, folder: str) -> None:
    """Rename the written ``tmp`` to ``target`` (atomically, over any file there)."""
    try:
        os.replace(tmp, target)
    except FileNotFoundError:  # the asset's folder was removed behind our back
        os.makedirs(folder, exist_ok=True)
        os.replace(tmp, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # the asset's folder is on another file system: finish the write there
        there = _temporary_name(folder)
        try:
            shutil.copyfile(tmp, there)
            os.replace(there, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(there)
            raise
        os.unlink(tmp)


def _temporary_name(folder: str) -> str:
    """A temporary file name that says who writes it: host, process id, and a random part."""
    return f"{folder}/{_TMP_PREFIX}{_HOST}-{os.getpid()}-{os.urandom(6).hex()}"


def _abandoned(path: str, now: float, max_age: float) -> bool:
    """Whether nothing will finish writing the temporary file at ``path``."""
    parts = os.path.basename(path)[len(_TMP_PREFIX) :].split("-")
    if len(parts) == 3 and parts[0] == _HOST and parts[1].isdigit() and not process_alive(int(parts[1])):
        return True
    try:
        return now - os.stat(path).st_mtime > max_age
    except OSError:
        return False

