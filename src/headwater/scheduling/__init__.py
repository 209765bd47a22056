"""When to run: schedules, sensors, the run coordinator, and backfills (see each module)."""
