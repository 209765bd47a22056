"""The CLI finds the project's store from any subfolder, and ``headwater info`` says which."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PIPELINES = Path(__file__).parent / "pipelines"


def headwater(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADWATER_") or k.startswith("HEADWATER_CLI_SERVER")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "headwater", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "src" / "notebooks").mkdir(parents=True)
    shutil.copy(PIPELINES / "ok.py", proj / "src" / "pipe.py")
    (proj / "pyproject.toml").write_text('[tool.headwater]\nfile = "src/pipe.py"\n')
    return proj


@pytest.mark.slow
def test_a_run_from_a_subfolder_uses_the_project_store(project: Path) -> None:
    ran = headwater(project / "src" / "notebooks", "materialize", "--quiet")
    assert ran.returncode == 0, ran.stderr
    assert (project / ".headwater" / "headwater.db").is_file()
    assert not (project / "src" / "notebooks" / ".headwater").exists()

    listed = headwater(project, "runs", "list")
    assert listed.returncode == 0, listed.stderr
    assert "SUCCESS" in listed.stdout
    # Nothing changed: the source `numbers` reruns (sources always do) with the same data,
    # so both of its downstream steps are up to date, which they can only be in the same store.
    rerun = headwater(project / "src", "materialize")
    assert rerun.returncode == 0, rerun.stderr
    assert "1 succeeded, 2 up to date" in rerun.stdout


def test_info_says_which_store_and_why(project: Path) -> None:
    result = headwater(project / "src" / "notebooks", "info")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert lines["home"].strip() == str(project / ".headwater")
    assert lines["chosen by"].strip() == f"next to {project / 'pyproject.toml'}"
    assert lines["run store"].strip() == f"sqlite:///{project / '.headwater' / 'headwater.db'}"
    assert lines["artifacts"].strip() == str(project / ".headwater" / "artifacts")
    assert lines["code location"].strip() == f"file {project / 'src' / 'pipe.py'}"
    assert lines["python"].strip().startswith(sys.version.split()[0])
    assert "0." in lines["headwater"]
    assert not (project / ".headwater").exists()  # info creates nothing


def test_info_hides_a_database_password(cli, monkeypatch) -> None:
    monkeypatch.setenv("HEADWATER_DATABASE_URL", "postgresql+psycopg://ana:s3cret@db.example/hw")
    result = cli("info")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.stdout
    assert "postgresql+psycopg://ana:***@db.example/hw" in result.stdout
