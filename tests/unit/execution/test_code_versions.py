"""Code versions cover what a step really runs, and ``assets list`` agrees with the run.

The project is a package written to a temporary folder and edited as a user would, then
loaded afresh (``-m proj.pipeline``) and run on the real stores::

    raw ──> cleaned ──> scaled ──> shifted ──> picked ──> summed ──> report
               └──────> depth ───────────────────────────────────────┘

``cleaned`` calls ``utils.clean`` (``from . import utils``), ``scaled`` the helper ``_scale``
(which reads ``FACTOR``), ``shifted`` ``h.shift`` in another module (``import proj.helpers as
h``, which reads ``OFFSET``), ``picked`` the lambda ``PICK``, ``summed`` a method of the
project class ``Summer``, ``depth`` the recursive ``_depth``.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from headwater.definitions.loading import load_code_location
from headwater.execution.observer import NullObserver
from headwater.execution.run import execute
from headwater.planning.staleness import NextRun, asset_statuses
from headwater.storage.records import StepStatus

HELPERS = '''
"""Helpers in another module of the project."""

OFFSET = 10


def shift(values):
    """Shift every value."""
    return [v + OFFSET for v in values]  # by OFFSET
'''

UTILS = '''
def clean(values):
    """Drop the missing values."""
    return [v for v in values if v is not None]
'''

PIPELINE = '''
import proj.helpers as h
from headwater import asset

from . import utils

FACTOR = 2


def _scale(values):
    """Scale by FACTOR."""
    return [v * FACTOR for v in values]


def _depth(n):
    """How deep: recursive on purpose."""
    return 0 if n <= 0 else 1 + _depth(n - 1)


class Summer:
    """Adds things up."""

    def total(self, values):
        """The sum."""
        return sum(values)


PICK = lambda values: values[:3]  # noqa: E731


@asset(cache=RAW_CACHE)
def raw() -> list:
    return [1, 2, None, 3, 4]


@asset
def cleaned(raw: list) -> list:
    return utils.clean(raw)


@asset
def scaled(cleaned: list) -> list:
    return _scale(cleaned)


@asset
def shifted(scaled: list) -> list:
    return h.shift(scaled)


@asset
def picked(shifted: list) -> list:
    return PICK(shifted)


@asset
def summed(picked: list) -> int:
    return Summer().total(picked)


@asset
def depth(cleaned: list) -> int:
    return _depth(len(cleaned))


@asset
def report(summed: int, depth: int) -> str:
    return f"{summed}/{depth}"
'''

DOWNSTREAM = {
    "cleaned": {"cleaned", "scaled", "shifted", "picked", "summed", "depth", "report"},
    "scaled": {"scaled", "shifted", "picked", "summed", "report"},
    "shifted": {"shifted", "picked", "summed", "report"},
    "picked": {"picked", "summed", "report"},
    "summed": {"summed", "report"},
    "depth": {"depth", "report"},
}

#: (file, old text, new text, what reruns, the reason the first of them gives)
CODE_EDITS = [
    ("pipeline", "return [v * FACTOR for v in values]", "return [v * FACTOR + 1 for v in values]",
     DOWNSTREAM["scaled"], "code changed: helper _scale"),
    ("pipeline", "FACTOR = 2", "FACTOR = 3", DOWNSTREAM["scaled"], "code changed: constant FACTOR"),
    ("helpers", "return [v + OFFSET for v in values]", "return [v - OFFSET for v in values]",
     DOWNSTREAM["shifted"], "code changed: helper proj.helpers.shift"),
    ("helpers", "OFFSET = 10", "OFFSET = 20", DOWNSTREAM["shifted"], "code changed: constant proj.helpers.OFFSET"),
    ("utils", "if v is not None]", "if v is not None and v != 1]", DOWNSTREAM["cleaned"],
     "code changed: helper proj.utils.clean"),
    ("pipeline", "return sum(values)", "return sum(values) + 1", DOWNSTREAM["summed"], "code changed: method Summer.total"),
    ("pipeline", "values[:3]", "values[:2]", DOWNSTREAM["picked"], "code changed: lambda PICK"),
    ("pipeline", "1 + _depth(n - 1)", "2 + _depth(n - 1)", DOWNSTREAM["depth"], "code changed: helper _depth"),
]

#: comments and docstrings of every kind of component: nothing reruns
COSMETIC_EDITS = [
    ("pipeline", '"""Scale by FACTOR."""', '"""Scale by FACTOR, the module constant."""\n    # a comment'),
    ("pipeline", '"""How deep: recursive on purpose."""', '"""How deep (recursive)."""'),
    ("pipeline", '"""The sum."""', '"""The sum of the values."""  # a comment'),
    ("pipeline", "PICK = lambda", "# the first three\nPICK = lambda"),
    ("helpers", '"""Shift every value."""', '"""Shift every value by OFFSET."""'),
    ("helpers", "# by OFFSET", "# shifted by OFFSET"),
    ("utils", '"""Drop the missing values."""', "# no docstring now"),
]


class Project:
    """The package on disk; ``load()`` imports it afresh after each edit."""

    def __init__(self, root: Path, raw_cache: str) -> None:
        self.root = root
        package = root / "proj"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        self.files = {"pipeline": package / "pipeline.py", "helpers": package / "helpers.py", "utils": package / "utils.py"}
        self.files["pipeline"].write_text(textwrap.dedent(PIPELINE).replace("RAW_CACHE", raw_cache))
        self.files["helpers"].write_text(textwrap.dedent(HELPERS))
        self.files["utils"].write_text(textwrap.dedent(UTILS))

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.files[name]
        text = path.read_text()
        assert old in text, f"{old!r} is not in {name}"
        path.write_text(text.replace(old, new, 1))

    def load(self):
        for module in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
            del sys.modules[module]
        importlib.invalidate_caches()
        return load_code_location(module="proj.pipeline")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def make(raw_cache: str = "True") -> Project:
        monkeypatch.syspath_prepend(str(tmp_path / "src"))
        monkeypatch.setattr(sys, "dont_write_bytecode", True)  # an edit within a second must not read stale bytecode
        return Project(tmp_path / "src", raw_cache)

    yield make
    for module in [m for m in sys.modules if m == "proj" or m.startswith("proj.")]:
        del sys.modules[module]


def run(project: Project, instance):
    return execute(project.load(), "*", instance=instance, observer=NullObserver())


def ran(result) -> set[str]:
    return {key for key, record in result.steps.items() if record.status is StepStatus.SUCCESS}


def test_every_kind_of_reached_code_reruns_its_step_and_downstream_only(project, any_instance) -> None:
    proj = project()
    first = run(proj, any_instance)
    assert first.success and first.output_for("report") == "42/4"
    for name, old, new, expected, reason in CODE_EDITS:
        proj.edit(name, old, new)
        result = run(proj, any_instance)
        assert ran(result) == expected, (old, new)
        assert {k for k, r in result.steps.items() if r.status is StepStatus.UP_TO_DATE} == set(result.steps) - expected
        first_rerun = next(key for key in result.steps if key in expected)
        assert result.steps[first_rerun].reason == reason, (old, new)


def test_comments_and_docstrings_anywhere_rerun_nothing(project, instance) -> None:
    proj = project()
    run(proj, instance)
    for name, old, new in COSMETIC_EDITS:
        proj.edit(name, old, new)
        assert ran(run(proj, instance)) == set(), (old, new)


def test_the_listing_names_what_changed(project, instance, cli) -> None:
    proj = project()
    run(proj, instance)
    proj.edit("pipeline", "return [v * FACTOR for v in values]", "return [v * FACTOR + 1 for v in values]")
    proj.load()  # the CLI finds the edited module imported
    listing = cli("assets", "list", "-m", "proj.pipeline").stdout
    assert "stale (code changed: helper _scale)" in listing
    assert "stale (upstream 'scaled' is stale)" in listing
    result = run(proj, instance)
    shown = cli("runs", "show", result.run_id).stdout
    assert "code changed: helper _scale" in shown
    assert "code and inputs unchanged since run" in shown


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from headwater.cli.main import app

    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


# -- the listing and the run apply one rule ---------------------------------------------------


def test_assets_list_predicts_what_every_next_run_does(project, any_instance) -> None:
    """After each edit, the listing's verdict for every asset is what the next run does.

    ``raw`` is a plain source here: it runs every time, so its downstream is "runs if its
    upstream's data changes", which the run then settles.
    """
    proj = project(raw_cache="None")
    run(proj, any_instance)
    edits: list[tuple[str, object]] = [(f"{name}: {old}", (name, old, new)) for name, old, new, *_ in CODE_EDITS]
    edits += [(f"cosmetic {name}: {old}", (name, old, new)) for name, old, new in COSMETIC_EDITS]
    edits.insert(3, ("lost artifact of 'shifted'", "lose:shifted"))
    edits.insert(6, ("new source data", ("pipeline", "[1, 2, None, 3, 4]", "[1, 2, None, 3, 4, 5]")))
    edits.insert(8, ("damaged artifact of 'picked'", "damage:picked"))
    edits.append(("nothing", None))
    for label, edit in edits:
        if isinstance(edit, tuple):
            proj.edit(*edit)
        elif edit == "lose:shifted":
            latest = any_instance.store.latest_materializations(["shifted"])["shifted"]
            Path(latest.artifact_uri).unlink()
        elif edit == "damage:picked":
            stored = Path(any_instance.store.latest_materializations(["picked"])["picked"].artifact_uri)
            data = bytearray(stored.read_bytes())
            data[-2] ^= 0x01  # same size, different bytes
            stored.write_bytes(bytes(data))
        location = proj.load()
        latest = any_instance.store.latest_materializations(list(location.graph.order))
        verdicts = asset_statuses(location.graph, latest, artifact_check=any_instance.check_artifact)
        for lost in ("shifted", "picked"):
            if lost in label:  # the artifact check is an input of the rule: both see the damage
                assert verdicts[lost].next_run is NextRun.RUN and "its stored value is" in verdicts[lost].reason
        result = execute(location, "*", instance=any_instance, observer=NullObserver())
        produced = {m.asset_key: m.data_version for m in any_instance.store.get_materializations(run_id=result.run_id)}
        for key, status in verdicts.items():
            did_run = result.steps[key].status is StepStatus.SUCCESS
            if status.next_run is NextRun.IF_UPSTREAM_CHANGES:
                node = location.graph.nodes[key]
                upstream_changed = any(up in produced and produced[up] != latest[up].data_version for up in node.upstream)
                assert did_run == upstream_changed, (label, key, status)
            else:
                assert did_run == (status.next_run is NextRun.RUN), (label, key, status, result.steps[key])


def test_a_failure_whose_code_is_put_back_is_listed_failed_and_skipped(project, instance) -> None:
    """The listing says failed, and predicts the run: the older value is current again."""
    proj = project()
    run(proj, instance)
    proj.edit("pipeline", "return _scale(cleaned)", "raise RuntimeError('broken')")
    assert not run(proj, instance).success
    proj.edit("pipeline", "raise RuntimeError('broken')", "return _scale(cleaned)")
    location = proj.load()
    latest = instance.store.latest_materializations(list(location.graph.order))
    failures = instance.store.last_failures(list(location.graph.order))
    verdicts = asset_statuses(location.graph, latest, failures, artifact_check=instance.check_artifact)
    assert verdicts["scaled"].state.value == "failed" and verdicts["scaled"].next_run is NextRun.SKIP
    result = execute(location, "*", instance=instance, observer=NullObserver())
    assert ran(result) == set()
