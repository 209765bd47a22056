"""The Airflow dialect's public door: change ``airflow...`` imports to ``headwater.airflow``.

::

    from headwater.airflow import DAG, PythonOperator, days_ago

    with DAG("etl", schedule="@daily", start_date=days_ago(1), default_args={"retries": 2}) as dag:
        extract = PythonOperator(task_id="extract", python_callable=extract_rows)
        load = PythonOperator(task_id="load", python_callable=load_rows)
        extract >> load

Every name here is the one Airflow uses (``airflow``, ``airflow.models``,
``airflow.operators.python``, ``airflow.operators.bash``, ``airflow.operators.empty``, ``airflow.decorators``,
``airflow.sdk``, ``airflow.utils.dates``), with Airflow's signatures. DAGs run on the same
engine, store and UI as assets: ``headwater dags test DAG_ID -f FILE``.
"""

from headwater.definitions.airflow.bash import BashOperator as BashOperator
from headwater.definitions.airflow.branching import BaseBranchOperator as BaseBranchOperator
from headwater.definitions.airflow.branching import BranchPythonOperator as BranchPythonOperator
from headwater.definitions.airflow.branching import ShortCircuitOperator as ShortCircuitOperator
from headwater.definitions.airflow.exceptions import AirflowException as AirflowException
from headwater.definitions.airflow.exceptions import AirflowFailException as AirflowFailException
from headwater.definitions.airflow.exceptions import AirflowRescheduleException as AirflowRescheduleException
from headwater.definitions.airflow.exceptions import AirflowSensorTimeout as AirflowSensorTimeout
from headwater.definitions.airflow.exceptions import AirflowSkipException as AirflowSkipException
from headwater.definitions.airflow.dag import DAG as DAG
from headwater.definitions.airflow.dag import days_ago as days_ago
from headwater.definitions.airflow.operators import BaseOperator as BaseOperator
from headwater.definitions.airflow.operators import chain as chain
from headwater.definitions.airflow.operators import cross_downstream as cross_downstream
from headwater.definitions.airflow.params import Param as Param
from headwater.definitions.airflow.python import DummyOperator as DummyOperator
from headwater.definitions.airflow.python import EmptyOperator as EmptyOperator
from headwater.definitions.airflow.python import PythonOperator as PythonOperator
from headwater.definitions.airflow.taskflow import dag as dag
from headwater.definitions.airflow.sensors import BaseSensorOperator as BaseSensorOperator
from headwater.definitions.airflow.sensors import FileSensor as FileSensor
from headwater.definitions.airflow.sensors import PokeReturnValue as PokeReturnValue
from headwater.definitions.airflow.sensors import PythonSensor as PythonSensor
from headwater.definitions.airflow.sensors import TimeDeltaSensor as TimeDeltaSensor
from headwater.definitions.airflow.task_group import Label as Label
from headwater.definitions.airflow.task_group import TaskGroup as TaskGroup
from headwater.definitions.airflow.task_group import task_group as task_group
from headwater.definitions.airflow.taskflow import task as task
from headwater.definitions.airflow.variables import BaseHook as BaseHook
from headwater.definitions.airflow.variables import Connection as Connection
from headwater.definitions.airflow.variables import Variable as Variable
from headwater.definitions.airflow.variables import use_named_values as _use_named_values
from headwater.definitions.airflow.virtualenv import ExternalPythonOperator as ExternalPythonOperator
from headwater.definitions.airflow.virtualenv import PythonVirtualenvOperator as PythonVirtualenvOperator
from headwater.definitions.airflow.xcomarg import XComArg as XComArg
from headwater.definitions.trigger_rules import TriggerRule as TriggerRule
from headwater.execution.airflow.context import TaskInstance as TaskInstance
from headwater.execution.airflow.context import get_current_context as get_current_context

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseBranchOperator",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "BashOperator",
    "BranchPythonOperator",
    "Connection",
    "DAG",
    "DummyOperator",
    "EmptyOperator",
    "ExternalPythonOperator",
    "FileSensor",
    "Label",
    "Param",
    "PokeReturnValue",
    "PythonOperator",
    "PythonSensor",
    "PythonVirtualenvOperator",
    "ShortCircuitOperator",
    "TaskGroup",
    "TaskInstance",
    "TimeDeltaSensor",
    "TriggerRule",
    "Variable",
    "XComArg",
    "chain",
    "cross_downstream",
    "dag",
    "days_ago",
    "get_current_context",
    "task",
    "task_group",
]


_opened: dict[tuple[int, str], object] = {}


def _run_store() -> object:
    """The run store of this process's Headwater home, opened once per process and home."""
    import os

    from headwater.storage.instance import Instance
    from headwater.settings import Settings

    settings = Settings.from_env()
    key = (os.getpid(), settings.database_url)
    if key not in _opened:
        for (pid, _), stale in _opened.items():  # another home's store: close it (not a forked parent's)
            if pid == key[0]:
                stale.close()  # type: ignore[attr-defined]
        _opened.clear()
        _opened[key] = Instance.from_settings(settings).store
    return _opened[key]


_use_named_values(_run_store)  # type: ignore[arg-type]
