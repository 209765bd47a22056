"""The ``headwater`` command line: a thin Typer entry point over the services below it.

Nothing here holds business logic. Each command parses its arguments, calls one service
(load a code location, execute a selection, read the run store) and renders the answer
with Rich. Heavy modules (the engine, the stores, and whatever the user's code imports)
are imported inside the command that needs them, so ``headwater --help`` stays instant.
"""
