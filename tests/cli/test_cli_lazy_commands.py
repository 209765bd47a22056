"""Each command's module is imported when that command runs, and only then.

``headwater runs list`` must not pay for building the other thirty-odd commands (issue 11:
the CLI stays quick as it gains commands); ``--help`` and typo suggestions still see them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from headwater.cli.lazy import LazyCommand, lazy_group
from headwater.cli.main import COMMANDS


def _command_modules_after(args: list[str], home: Path) -> set[str]:
    """The ``headwater.cli.commands`` modules a fresh process has imported after ``headwater ARGS``."""
    script = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from headwater.cli.main import app\n"
        f"result = CliRunner().invoke(app, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('headwater.cli.commands.'))))\n"
    )
    env = {**os.environ, "HEADWATER_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def test_runs_list_imports_the_runs_module_alone(home: Path) -> None:
    loaded = _command_modules_after(["runs", "list"], home)
    # _common is the commands' shared helpers, imported inside `runs list`
    assert loaded <= {"headwater.cli.commands.runs", "headwater.cli.commands._common"}
    assert "headwater.cli.commands.runs" in loaded


def test_help_lists_every_command_in_the_tables_order(home: Path) -> None:
    from headwater.cli.main import app

    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    panel = result.output[result.output.index("Commands") :]
    first_words = [line.strip("│ ").split(" ")[0] for line in panel.splitlines()]
    assert [word for word in first_words if word in COMMANDS] == list(COMMANDS)


def test_a_group_keeps_the_help_the_table_gives_it(home: Path) -> None:
    from headwater.cli.main import app

    job = CliRunner().invoke(app, ["job", "--help"], env={"COLUMNS": "200"})
    jobs = CliRunner().invoke(app, ["jobs", "--help"], env={"COLUMNS": "200"})
    assert "Run a job: `headwater job run JOB`" in job.output
    assert "List jobs (named selections of assets), or run one." in jobs.output


def test_a_typo_is_answered_with_the_closest_unbuilt_command(home: Path) -> None:
    from headwater.cli.main import app

    result = CliRunner().invoke(app, ["sensorz"])
    assert result.exit_code == 2
    assert "Did you mean 'sensors'?" in result.output


def test_a_lazy_command_is_built_once_on_first_lookup() -> None:
    app = typer.Typer(cls=lazy_group({"info": LazyCommand("headwater.cli.commands.info", "info")}))

    @app.callback()
    def root() -> None:
        """A root with one lazy command."""

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert list(group.commands) == ["info"]
    first = group.commands["info"]
    assert group.commands["info"] is first
    assert "nothing" not in group.commands
