"""The names of a running task's Airflow context (Airflow's "Templates reference").

A TaskFlow parameter so named receives the context value instead of being read from the asset
of that name; :func:`headwater.execution.airflow.context.airflow_context` builds exactly these.
"""

from __future__ import annotations

__all__ = ["CONTEXT_KEYS"]

#: every name a task's context holds (a TaskFlow parameter so named receives it)
CONTEXT_KEYS = frozenset({
    "conf", "conn", "dag", "dag_run", "data_interval_end", "data_interval_start", "ds", "ds_nodash", "exception",
    "execution_date", "expanded_ti_count", "inlets", "logical_date", "macros", "map_index_template", "next_ds",
    "next_ds_nodash", "next_execution_date", "outlets", "params", "prev_data_interval_end_success",
    "prev_data_interval_start_success", "prev_ds", "prev_ds_nodash", "prev_end_date_success", "prev_execution_date",
    "prev_execution_date_success", "prev_start_date_success",
    "run_id", "task", "task_instance", "task_instance_key_str", "task_reschedule_count", "templates_dict", "test_mode", "ti", "tomorrow_ds",
    "tomorrow_ds_nodash", "triggering_asset_events", "triggering_dataset_events", "ts", "ts_nodash", "ts_nodash_with_tz", "var", "yesterday_ds", "yesterday_ds_nodash",
})
