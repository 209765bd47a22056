"""Imports a module that does not exist."""

import headwater_no_such_module  # noqa: F401
