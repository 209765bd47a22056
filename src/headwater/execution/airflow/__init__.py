"""Running the Airflow dialect's tasks: the run-time half of :mod:`headwater.definitions.airflow`.

A DAG's operators are definitions; what happens when one runs lives here, in the layer that
runs things: :mod:`.task` (what the engine calls for a task node: the context, rendered
fields, callbacks, mapped instances), :mod:`.context` (``ti``, ``dag_run``, the template
context, ``get_current_context``) and :mod:`.templating` (Jinja, template files).
"""
