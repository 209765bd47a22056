"""``Instance``: the two stores of one home, opened together."""

from __future__ import annotations

from pathlib import Path

from headwater.settings import Settings
from headwater.storage.instance import Instance


def test_ephemeral_is_removed_on_close() -> None:
    with Instance.ephemeral() as instance:
        home = instance.settings.home
        stored = instance.artifacts.put("x", [1, 2])
        assert instance.store.list_runs() == []
        assert Path(stored.uri).is_relative_to(home)
        assert (home / "headwater.db").exists()
    assert not home.exists()
    instance.close()  # idempotent


def test_get_opens_the_home(tmp_path: Path) -> None:
    instance = Instance.get(tmp_path / "home")
    try:
        assert instance.settings == Settings.from_env(tmp_path / "home")
        assert instance.artifacts.is_local
        assert instance.artifacts.root == str(tmp_path / "home" / "artifacts")
    finally:
        instance.close()
    assert (tmp_path / "home" / "headwater.db").exists()  # a non-ephemeral home is kept


def test_from_settings(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", artifacts_url=str(tmp_path / "a"))
    with Instance.from_settings(settings) as instance:
        assert instance.store.dialect == "sqlite"
        assert "Instance" in repr(instance)
