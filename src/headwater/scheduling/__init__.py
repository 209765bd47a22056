"""When runs run: the run queue, the coordinator that launches queued runs, and the daemon loop.

* :mod:`.queue` -- ``submit``: record a ``QUEUED`` run saying what to run;
* :mod:`.limits` -- the global and per-tag limits on runs in flight;
* :mod:`.coordinator` -- claims queued runs within the limits and launches them;
* :mod:`.launcher` -- a warm fork server that starts each run in a fresh process;
* :mod:`.launch` -- what that process does: load the code afresh and execute the run;
* :mod:`.daemon` -- the loop ``headwater daemon`` runs, with pluggable parts;
* the schedules, sensors and backfills: see each module.

Imports: execution, planning, definitions, storage (never the CLI, the web or services).
"""
