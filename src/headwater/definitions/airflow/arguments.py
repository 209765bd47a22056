"""What Headwater does with each argument Airflow's ``BaseOperator`` and ``DAG`` accept.

Nothing is accepted and silently ignored. Every argument is one of:

* implemented: it has Airflow's documented meaning here;
* recorded: it changes nothing about what runs or when (display, documentation, routing
  that has no equivalent on one engine); it is kept on the object, and listed here with why;
* unsupported: it would change what runs, and Headwater does not do that yet, so a value
  other than Airflow's default is refused with a :class:`DefinitionError` naming it.

``tests/unit/airflow/test_audit.py`` walks every public signature against these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from headwater.errors import DefinitionError

__all__ = [
    "DAG_RECORDED",
    "DAG_UNSUPPORTED",
    "OPERATOR_IMPLEMENTED",
    "OPERATOR_RECORDED",
    "OPERATOR_UNSUPPORTED",
    "refuse_unsupported",
]

OPERATOR_IMPLEMENTED = frozenset({
    "task_id", "dag", "default_args", "task_group", "owner", "retries", "retry_delay", "retry_exponential_backoff",
    "max_retry_delay", "execution_timeout", "trigger_rule", "pool", "params", "do_xcom_push", "multiple_outputs",
    "on_execute_callback", "on_failure_callback", "on_success_callback", "on_retry_callback", "on_skipped_callback",
    "pre_execute", "post_execute", "doc", "doc_md", "doc_json", "doc_yaml", "doc_rst",
})

#: argument -> why it changes nothing here
OPERATOR_RECORDED: Mapping[str, str] = {
    "email": "Headwater sends no email; use on_failure_callback",
    "email_on_retry": "Headwater sends no email",
    "email_on_failure": "Headwater sends no email",
    "start_date": "runs follow the DAG's schedule and start_date",
    "ignore_first_depends_on_past": "only matters with depends_on_past, which is refused",
    "priority_weight": "ready tasks start in dependency order as soon as a slot is free",
    "weight_rule": "ready tasks start in dependency order as soon as a slot is free",
    "queue": "one executor runs the whole run (choose it with --executor)",
    "inlets": "lineage is recorded from the values tasks pass",
    "max_active_tis_per_dagrun": "a mapped task's instances run one after another within its step",
    "map_index_template": "display only",
    "logger_name": "task logs are captured with the step whatever the logger",
    "allow_nested_operators": "display only",
    "task_display_name": "display only",
}

#: argument -> Airflow's default; any other value is refused
OPERATOR_UNSUPPORTED: Mapping[str, Any] = {
    "depends_on_past": False,
    "wait_for_past_depends_before_skipping": False,
    "wait_for_downstream": False,
    "end_date": None,
    "pool_slots": 1,
    "sla": None,
    "resources": None,
    "run_as_user": None,
    "task_concurrency": None,
    "max_active_tis_per_dag": None,
    "executor": None,
    "executor_config": None,
    "outlets": None,
}

#: DAG keyword -> why it changes nothing here
DAG_RECORDED: Mapping[str, str] = {
    "access_control": "Headwater has no per-DAG permissions",
    "auto_register": "DAGs are collected from their code location",
    "concurrency": "display only (Airflow's old name for max_active_tasks)",
    "dag_display_name": "display only",
    "default_view": "display only",
    "full_filepath": "the code location is the file",
    "has_on_failure_callback": "display only",
    "has_on_success_callback": "display only",
    "orientation": "display only",
    "owner_links": "display only",
    "disable_bundle_versioning": "the code version is derived from the code",
    "catchup": "whether missed ticks run is the schedule's catch-up policy",
    "max_active_runs": "kept for the scheduler; a run is launched per tick or request",
    "max_active_tasks": "a run's concurrency is its executor's (--max-concurrency)",
}

#: DAG keyword -> Airflow's default; any other value is refused
DAG_UNSUPPORTED: Mapping[str, Any] = {
    "end_date": None,
    "dagrun_timeout": None,
    "sla_miss_callback": None,
    "fail_stop": False,
    "fail_fast": False,
    "timetable": None,
    "jinja_environment_kwargs": None,
    "template_undefined": None,
    "max_consecutive_failed_dag_runs": 0,
    "deadline": None,
    "timezone": None,
}


def refuse_unsupported(where: str, given: Mapping[str, Any], unsupported: Mapping[str, Any]) -> None:
    """Refuse any argument of ``unsupported`` given a value other than its default.

    Raises:
        DefinitionError: naming the argument, its value and what to do.
    """
    for name, default in unsupported.items():
        if name in given and given[name] != default:
            raise DefinitionError(
                f"{where}: {name}={given[name]!r} is not supported by Headwater yet; remove it "
                f"(or leave it at {default!r}) to run this DAG"
            )
