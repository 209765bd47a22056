"""Loading a code location: a Python file or module whose top level defines the pipeline.

Everything at the module's top level is collected: ``@asset`` functions, jobs, schedules,
``Definitions`` objects, and anything that offers ``__headwater_definitions__()`` (an
Airflow-dialect ``DAG``, say). The collected nodes are validated into one
:class:`~headwater.definitions.graph.Graph` before anything can run.

Where to load from is, in order: ``-f FILE``, ``-m MODULE``, or ``[tool.headwater]`` in the
nearest ``pyproject.toml``, in the working directory or above (``file = "..."``, relative
to that file, or ``module = "..."``).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import traceback
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from headwater.definitions.dags import DAGS_HOOK, DagSummary
from headwater.definitions.checks import with_blocking_edges
from headwater.definitions.graph import Graph, close_matches
from headwater.definitions.jobs import AssetJob, Definitions, ScheduleDefinition
from headwater.definitions.multi import multi_asset_nodes
from headwater.definitions.names import check_asset_key, check_name
from headwater.definitions.node import Node, node_of
from headwater.definitions.parameters import check_resources
from headwater.definitions.sensors import SensorDefinition
from headwater.definitions.selection import AssetSelection, resolve_selection
from headwater.errors import CodeLocationError, ConfigError, DefinitionError, DuplicateKeyError, SelectionError
from headwater.settings import find_pyproject, read_tool_config

__all__ = [
    "CodeLocation",
    "collect",
    "default_location",
    "load_assets_from_modules",
    "load_code_location",
    "load_module",
]

DEFINITIONS_HOOK = "__headwater_definitions__"

_Named = TypeVar("_Named", AssetJob, ScheduleDefinition, SensorDefinition)


@dataclass(frozen=True, slots=True, eq=False)
class CodeLocation:
    """A loaded, validated pipeline: its graph, jobs and schedules.

    Attributes:
        name: the file path or module name it was loaded from.
        graph: every node, validated.
        jobs: job name -> job.
        schedules: schedule name -> schedule.
        executor: the default executor named by a ``Definitions``, if any.
        resources: the resources of its ``Definitions``, by key.
        file: the file it was loaded from, when it was loaded from a file.
        module: the module name it was imported as (workers re-import it by this name).
    """

    name: str
    graph: Graph
    jobs: Mapping[str, AssetJob]
    schedules: Mapping[str, ScheduleDefinition]
    executor: str | None = None
    file: str | None = None
    module: str | None = None
    #: sensor name -> sensor (``@sensor``, ``@asset_sensor``)
    sensors: Mapping[str, SensorDefinition] = field(default_factory=lambda: MappingProxyType({}))
    #: resource key -> resource, from ``Definitions(resources=...)``
    resources: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    #: dag_id -> the Airflow-dialect DAG it defines (each also a job of that name)
    dags: Mapping[str, DagSummary] = field(default_factory=lambda: MappingProxyType({}))

    def job(self, name: str) -> AssetJob:
        """The job called ``name``.

        Raises:
            DefinitionError: no job has that name (with the closest names).
        """
        try:
            return self.jobs[name]
        except KeyError:
            known = ", ".join(sorted(self.jobs)) or "none"
            raise DefinitionError(
                f"no job named {name!r} in {self.name} (jobs: {known}).{close_matches(name, self.jobs)}"
            ) from None


def load_code_location(
    file: str | Path | None = None, module: str | None = None, *, project_dir: str | Path = "."
) -> CodeLocation:
    """Import a code location and collect and validate what it defines.

    Args:
        file: path of a Python file.
        module: dotted name of an importable module.
        project_dir: where to look for ``pyproject.toml`` when neither is given.

    Raises:
        CodeLocationError: nothing to load, the file is missing, or importing it failed.
        DefinitionError: what it defines is invalid (a cycle, a missing upstream, ...).
    """
    if file is not None and module is not None:
        raise CodeLocationError("give a file (-f) or a module (-m), not both")
    if file is None and module is None:
        file, module = default_location(Path(project_dir))
    loaded = load_module(file=file, module=module)
    name = str(file) if file is not None else str(module)
    return collect(vars(loaded).values(), name=name, file=getattr(loaded, "__file__", None), module=loaded.__name__)


def default_location(project_dir: Path) -> tuple[str | None, str | None]:
    """The ``(file, module)`` named under ``[tool.headwater]`` in the nearest ``pyproject.toml``.

    The nearest is the one in ``project_dir`` or the closest folder above it, so a command
    run from a subfolder of a project finds the project's code location; a ``file`` is
    relative to its ``pyproject.toml``.

    Raises:
        CodeLocationError: there is no ``pyproject.toml``, it is invalid, or it names none.
    """
    hint = "pass -f path/to/pipeline.py or -m package.module, or set [tool.headwater] file = ... in pyproject.toml"
    pyproject = find_pyproject(project_dir)
    if pyproject is None:
        raise CodeLocationError(
            f"no code location given and no pyproject.toml in {project_dir.resolve()} or above: {hint}"
        )
    try:
        config = read_tool_config(pyproject)
    except ConfigError as exc:
        raise CodeLocationError(str(exc)) from exc
    file, module = config.get("file"), config.get("module")
    if not file and not module:
        raise CodeLocationError(f"no code location given and {pyproject} has no [tool.headwater] file or module: {hint}")
    if file:
        return str(pyproject.parent / str(file)), None
    return None, str(module)


def load_module(file: str | Path | None = None, module: str | None = None) -> types.ModuleType:
    """Import a code location's module (once per process; a file is keyed by its path)."""
    if module is not None:
        return _import(module, lambda: importlib.import_module(module), where=f"module {module!r}")
    assert file is not None
    path = Path(file).expanduser().resolve()
    if not path.is_file():
        raise CodeLocationError(f"code location file not found: {file}")
    # A stable name per path, so that worker processes importing the same file agree on it
    # and cloudpickle can refer to its functions by reference.
    module_name = f"headwater_location_{path.stem}_{hashlib.blake2b(str(path).encode(), digest_size=4).hexdigest()}"
    if module_name in sys.modules:
        return sys.modules[module_name]

    def import_file() -> types.ModuleType:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise CodeLocationError(f"cannot import {file}: not a Python file")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = loaded
        # Sibling modules of the file import the way they would when it runs as a script.
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(loaded)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        return loaded

    return _import(module_name, import_file, where=str(file))


def _import(name: str, do_import: Callable[[], types.ModuleType], *, where: str) -> types.ModuleType:
    try:
        return do_import()
    except DefinitionError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise CodeLocationError(f"cannot import {where}: no module named {exc.name!r}") from exc
        raise CodeLocationError(f"error while importing {where}:\n{_user_traceback(exc)}") from exc
    except SyntaxError as exc:
        raise CodeLocationError(f"syntax error in {where}: {exc.filename}:{exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        raise CodeLocationError(f"error while importing {where}:\n{_user_traceback(exc)}") from exc


def _user_traceback(exc: BaseException) -> str:
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if "importlib" not in frame.filename and "headwater/definitions/loading" not in frame.filename
    ]
    text = "".join(traceback.format_list(frames))
    return f"{text}{type(exc).__name__}: {exc}"


def load_assets_from_modules(
    modules: Iterable[types.ModuleType],
    group_name: str | None = None,
    key_prefix: str | list[str] | None = None,
) -> list[Node]:
    """The assets defined at the top level of ``modules`` (Dagster's function of that name).

    Args:
        modules: imported modules.
        group_name: put every loaded asset in this group.
        key_prefix: put these path segments before every loaded asset's key.
    """
    import dataclasses

    prefix = [key_prefix] if isinstance(key_prefix, str) else list(key_prefix or [])
    found: dict[int, Node] = {}
    for module in modules:
        for member in vars(module).values():
            node = member if isinstance(member, Node) else node_of(member)
            for found_node in (node,) if node is not None else multi_asset_nodes(member):
                if found_node.kind in ("asset", "multi"):
                    found.setdefault(id(found_node), found_node)
    if not prefix and group_name is None:
        return list(found.values())
    if group_name is not None:
        check_name(group_name, "group name")
    renamed = {node.key: check_asset_key("/".join([*prefix, node.key]), "asset key") for node in found.values()}
    result = []
    for node in found.values():
        options = dataclasses.replace(node.options, group=group_name) if group_name is not None else node.options
        result.append(
            dataclasses.replace(
                node,
                key=renamed[node.key],
                inputs=MappingProxyType({p: renamed.get(k, k) for p, k in node.inputs.items()}),
                deps=tuple(renamed.get(d, d) for d in node.deps),
                options=options,
            )
        )
    return result


def collect(
    members: Iterable[object],
    *,
    name: str = "<objects>",
    file: str | None = None,
    module: str | None = None,
    resources: Mapping[str, object] | None = None,
) -> CodeLocation:
    """Collect nodes, jobs and schedules from ``members`` and validate them into a location.

    ``members`` may hold decorated functions, nodes, jobs, schedules, ``Definitions`` and
    objects with ``__headwater_definitions__``; anything else is ignored. ``resources`` adds
    to those of the ``Definitions``.
    """
    provided: dict[str, object] = dict(resources or {})
    nodes: dict[int, Node] = {}
    jobs: dict[int, AssetJob] = {}
    schedules: dict[int, ScheduleDefinition] = {}
    sensors: dict[int, SensorDefinition] = {}
    dags: dict[str, DagSummary] = {}
    executor: str | None = None

    def add(member: object) -> None:
        nonlocal executor
        if isinstance(member, type):
            return
        node = member if isinstance(member, Node) else node_of(member)
        if node is not None:
            nodes.setdefault(id(node), node)
        elif multi_asset_nodes(member):
            for multi_node in multi_asset_nodes(member):
                nodes.setdefault(id(multi_node), multi_node)
        elif isinstance(member, AssetJob):
            jobs.setdefault(id(member), member)
        elif isinstance(member, ScheduleDefinition):
            schedules.setdefault(id(member), member)
            if member.job is not None:
                jobs.setdefault(id(member.job), member.job)
        elif isinstance(member, SensorDefinition):
            sensors.setdefault(id(member), member)
            for sensor_job in (member.job, *member.jobs):
                if sensor_job is not None:
                    jobs.setdefault(id(sensor_job), sensor_job)
        elif isinstance(member, Definitions):
            executor = member.executor or executor
            for key, resource in member.resources.items():
                if provided.setdefault(key, resource) is not resource:
                    raise DuplicateKeyError(f"two different resources are named {key!r}")
            for inner in (*member.assets, *member.asset_checks, *member.jobs, *member.schedules, *member.sensors):
                add(inner)
        elif callable(getattr(member, DEFINITIONS_HOOK, None)) and not isinstance(member, types.ModuleType):
            add(getattr(member, DEFINITIONS_HOOK)())
            for summary in getattr(member, DAGS_HOOK, tuple)():
                dags.setdefault(summary.dag_id, summary)

    for member in members:
        add(member)

    graph = Graph.build(with_blocking_edges(nodes.values()))
    check_resources(graph.nodes.values(), provided, name)
    job_map = _unique(jobs.values(), "job")
    schedule_map = _unique(schedules.values(), "schedule")
    sensor_map = _unique(sensors.values(), "sensor")
    for sensor in sensor_map.values():
        if sensor.job_name is not None and sensor.job_name not in job_map:
            raise DefinitionError(
                f"sensor {sensor.name!r} runs job {sensor.job_name!r}, which is not defined in {name}."
                f"{close_matches(sensor.job_name, job_map)}"
            )
    for job in job_map.values():
        _check_job_selection(job, graph)
    for schedule in schedule_map.values():
        if schedule.job_name not in job_map:
            raise DefinitionError(
                f"schedule {schedule.name!r} runs job {schedule.job_name!r}, which is not defined in {name}."
                f"{close_matches(schedule.job_name, job_map)}"
            )
    return CodeLocation(
        name=name, graph=graph, jobs=job_map, schedules=schedule_map, executor=executor, file=file, module=module,
        resources=MappingProxyType(provided), sensors=MappingProxyType(sensor_map),
        dags=MappingProxyType(dict(sorted(dags.items()))),
    )


def _check_job_selection(job: AssetJob, graph: Graph) -> None:
    """A job whose selection names nothing is refused when its code location loads."""
    selection = job.selection if isinstance(job.selection, str | AssetSelection) else list(job.selection)
    try:
        resolve_selection(graph, selection)
    except SelectionError as exc:
        raise SelectionError(f"job {job.name!r}: {exc}") from None


def _unique(items: Iterable[_Named], what: str) -> dict[str, _Named]:
    found: dict[str, _Named] = {}
    for item in items:
        if item.name in found and found[item.name] != item:
            raise DuplicateKeyError(f"two different {what}s are named {item.name!r}")
        found.setdefault(item.name, item)
    return found
