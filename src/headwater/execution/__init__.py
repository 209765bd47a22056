"""Execution: run a plan on an executor, capture output, record everything in the stores."""
