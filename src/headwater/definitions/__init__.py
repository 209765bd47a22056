"""Definitions: what a pipeline is made of (assets, tasks, jobs, schedules) and its graph.

Nothing here runs anything; this layer imports neither storage nor execution.
"""
