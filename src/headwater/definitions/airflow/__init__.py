"""The Airflow dialect: DAGs, operators and TaskFlow, compiled to the engine's nodes.

One module per job: :mod:`.dag` (the DAG and how it is collected), :mod:`.operators`
(``BaseOperator``, ``>>``, ``chain``), :mod:`.python` (``PythonOperator``), :mod:`.taskflow` (``@dag``,
``@task``), :mod:`.mapping` (``.expand()``), :mod:`.xcomarg` (references to run-time
values), :mod:`.runtime` (``ti``, the context, ``get_current_context``),
:mod:`.templating` (``{{ ds }}``) and :mod:`.schedule` (Airflow schedules as cron strings).
Users import all of it from :mod:`headwater.airflow`.
"""
