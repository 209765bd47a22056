"""The Airflow dialect: DAGs, operators and TaskFlow, compiled to the engine's nodes.

One module per job: :mod:`.dag` (the DAG and how it is collected), :mod:`.operators`
(``BaseOperator``, ``chain``), :mod:`.relations` (``>>``/``<<`` for tasks and groups),
:mod:`.arguments` (what each ``BaseOperator``/``DAG`` argument does, or why it is refused),
:mod:`.python` (``PythonOperator``), :mod:`.bash`, :mod:`.branching` (branches and
short-circuits), :mod:`.sensors`, :mod:`.virtualenv` (another Python),
:mod:`.task_group` (``TaskGroup``, ``@task_group``, ``Label``), :mod:`.taskflow` (``@dag``,
``@task``), :mod:`.mapping` (``.expand()``), :mod:`.xcomarg` (references to run-time
values), :mod:`.protocols` (what a task and a group are to the others, so the modules
import as a tree), :mod:`.context_keys` (the names of a task's context), :mod:`.variables`
(``Variable``, ``BaseHook.get_connection``), :mod:`.exceptions` and :mod:`.schedule`
(Airflow schedules as cron strings). These modules declare; running a task (``ti``, the
template context, rendering, callbacks, mapped instances) is :mod:`headwater.execution.airflow`'s.
Trigger rules and skip states are the engine's (:mod:`headwater.definitions.trigger_rules`,
:mod:`headwater.execution.triggers`). Users import all of it from :mod:`headwater.airflow`.
"""
