"""Where Headwater keeps things: the run store and the artifact store.

This package door is light on purpose: it re-exports the records (plain dataclasses) and the
protocols the engine programs against, and nothing that pulls in SQLAlchemy, Alembic, fsspec
or a data library. The implementations live in submodules imported on demand:

* :mod:`headwater.storage.sql` -- ``SqlStore``, the run store over SQLAlchemy Core (SQLite
  in WAL mode by default, PostgreSQL by URL), schema changes through one Alembic tree;
* :mod:`headwater.storage.artifacts` -- ``FsspecArtifactStore``: atomic, content-addressed
  files on a local folder or any fsspec URL;
* :mod:`headwater.storage.serializers` -- the serializer registry picked by value type;
* :mod:`headwater.storage.instance` -- ``Instance``, the two stores opened from ``Settings``.
"""

from __future__ import annotations

from headwater.storage.base import ArtifactStore as ArtifactStore
from headwater.storage.base import EventLog as EventLog
from headwater.storage.base import MaterializationIndex as MaterializationIndex
from headwater.storage.base import MetricStore as MetricStore
from headwater.storage.base import RunStore as RunStore
from headwater.storage.base import ScheduleStateStore as ScheduleStateStore
from headwater.storage.records import Event as Event
from headwater.storage.records import EventKind as EventKind
from headwater.storage.records import LogLine as LogLine
from headwater.storage.records import Materialization as Materialization
from headwater.storage.records import Metric as Metric
from headwater.storage.records import Run as Run
from headwater.storage.records import RunStatus as RunStatus
from headwater.storage.records import ScheduleTick as ScheduleTick
from headwater.storage.records import StepAttempt as StepAttempt
from headwater.storage.records import StepRecord as StepRecord
from headwater.storage.records import StepStatus as StepStatus

__all__ = [
    "ArtifactStore",
    "Event",
    "EventKind",
    "EventLog",
    "LogLine",
    "Materialization",
    "MaterializationIndex",
    "Metric",
    "MetricStore",
    "Run",
    "RunStatus",
    "RunStore",
    "ScheduleStateStore",
    "ScheduleTick",
    "StepAttempt",
    "StepRecord",
    "StepStatus",
]
