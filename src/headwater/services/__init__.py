"""The questions and commands every entry point shares, answered once and typed.

The CLI and the web UI parse, call one of these, and render the typed answer (frozen
dataclasses and records, never Rich or HTML); a new page or command adds a renderer, not
a query. Each function takes the stores (an :class:`~headwater.storage.instance.Instance`)
and, where definitions matter, the loaded :class:`~headwater.definitions.loading.CodeLocation`.
This package door imports nothing; import the module you need.

* :mod:`.location` -- ``load_location(file, module)``, ``open_instance(sweep=)`` (a reader
  passes ``sweep=False``: no walk over the stored files).
* :mod:`.runs` -- ``list_runs(instance, RunQuery(...), limit=, cursor=) -> RunPage`` (filters:
  statuses, job, DAG, tags, time; cursor pages), ``find_run`` (``latest``, an id or a unique
  prefix), ``run_detail -> RunDetail`` (steps, attempts, checks, materializations),
  ``parse_status``.
* :mod:`.logs` -- ``run_logs(instance, run_id, after_id=, step_key=, limit=) -> LogPage`` and
  ``run_events(...) -> EventPage``: entries with ids, and the cursor to follow a run live.
* :mod:`.assets` -- ``asset_states(instance, location) -> AssetListing`` (the one staleness
  rule, :func:`headwater.planning.staleness.asset_statuses`), ``asset_history``,
  ``load_asset_value``, ``asset_lineage -> LineageNode``.
* :mod:`.metrics` -- ``list_metrics -> [MetricKey]``, ``metric_series(instance, name) ->
  [MetricSeries]``: a metric's values across runs, tied to each run's materialization.
* :mod:`.definitions` -- ``list_jobs``, ``list_dags`` (from the loaded DAGs), ``list_schedules``
  (stored status, last tick), ``schedule_ticks``, ``list_sensors``.
* :mod:`.launch` -- run now in this process: ``run_selection``, ``run_job``, ``run_task``,
  ``reexecute_run``, with ``RunOptions``.
* :mod:`.schedules` -- ``set_schedule_status``, ``set_dag_paused``, ``upcoming_ticks``,
  ``dag_grid`` (a DAG's runs by tasks).
* :mod:`.partitions` -- ``partition_states``: each partition of an asset and where it stands.
* :mod:`.backfills` -- start, drive, list, show, cancel and resume backfills.
* :mod:`.frames` -- ``frame_preview``: a stored DataFrame's schema, row count and first rows.
* :mod:`.cancel` -- ``cancel_run(instance, run_id) -> Run`` (a queued run at once, a started
  one through CANCELING), ``wait_until_ended``.
* :mod:`.named_values` -- Airflow Variables and Connections in the run store.
* :mod:`.maintenance` -- ``verify_values``, ``collect_garbage``.
"""
