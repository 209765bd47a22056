"""Finding the store like git finds its repository: one test per rule of ``settings.py``.

::

    tmp/
      proj/                 pyproject.toml
        sub/deep/           <- the current folder of most tests
"""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.errors import ConfigError
from headwater.settings import Settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "sub" / "deep").mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[project]\nname = "proj"\n')
    return proj


def discover(cwd: Path, **env: str) -> Settings:
    return Settings.discover(cwd, env=env)


def test_headwater_home_wins_and_is_relative_to_the_current_folder(project: Path) -> None:
    (project / ".headwater").mkdir()
    settings = discover(project / "sub", HEADWATER_HOME="stores")
    assert settings.home == project / "sub" / "stores"
    assert settings.reason == "HEADWATER_HOME is set"
    assert settings.database_url == f"sqlite:///{project / 'sub' / 'stores' / 'headwater.db'}"
    assert settings.artifacts_url == str(project / "sub" / "stores" / "artifacts")


def test_pyproject_home_is_relative_to_the_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.headwater]\nhome = "var/hw"\n')
    (project / "sub" / ".headwater").mkdir()  # the configured home wins over a found folder
    settings = discover(project / "sub" / "deep")
    assert settings.home == project / "var" / "hw"
    assert str(project / "pyproject.toml") in settings.reason


def test_the_nearest_headwater_folder_up_from_here(project: Path) -> None:
    (project / ".headwater").mkdir()
    (project / "sub" / ".headwater").mkdir()
    settings = discover(project / "sub" / "deep")
    assert settings.home == project / "sub" / ".headwater"
    assert "nearest .headwater" in settings.reason


def test_next_to_the_pyproject_from_a_subfolder(project: Path) -> None:
    settings = discover(project / "sub" / "deep")
    assert settings.home == project / ".headwater"
    assert settings.reason == f"next to {project / 'pyproject.toml'}"


def test_a_store_above_the_project_does_not_capture_it(project: Path) -> None:
    (project.parent / ".headwater").mkdir()  # say ~/.headwater, above ~/proj
    assert discover(project / "sub").home == project / ".headwater"


def test_outside_any_project_the_nearest_headwater_folder_up(tmp_path: Path) -> None:
    (tmp_path / ".headwater").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert discover(tmp_path / "a" / "b").home == tmp_path / ".headwater"


def test_outside_any_project_and_store_the_current_folder(tmp_path: Path) -> None:
    settings = discover(tmp_path)
    assert settings.home == tmp_path / ".headwater"
    assert "current folder" in settings.reason


def test_database_and_artifact_variables_point_elsewhere(project: Path) -> None:
    settings = discover(project, HEADWATER_DATABASE_URL="postgresql+psycopg://u@h/db", HEADWATER_ARTIFACTS="s3://b/p")
    assert settings.home == project / ".headwater"
    assert (settings.database_url, settings.artifacts_url) == ("postgresql+psycopg://u@h/db", "s3://b/p")


def test_an_invalid_pyproject_is_a_config_error_naming_it(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.headwater\n")
    with pytest.raises(ConfigError, match=str(project / "pyproject.toml")):
        discover(project / "sub")


def test_a_home_that_is_not_a_path_is_a_config_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.headwater]\nhome = 3\n")
    with pytest.raises(ConfigError, match="home must be a folder path"):
        discover(project)


def test_an_explicit_home_ignores_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWATER_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings.from_env(tmp_path / "h")
    assert settings.database_url == f"sqlite:///{tmp_path / 'h' / 'headwater.db'}"
