"""Fixtures for the storage tests (``store``, one per backend, is the root conftest's)."""

from __future__ import annotations

import pytest


@pytest.fixture
def artifacts(tmp_path: object) -> object:
    """A local artifact store in a temporary folder."""
    from headwater.storage.artifacts import FsspecArtifactStore

    return FsspecArtifactStore(f"{tmp_path}/artifacts")
