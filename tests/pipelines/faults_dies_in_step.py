"""A step that kills the process it runs in, after one that succeeded::

    made ──> dies            (dies: HW_DEATH = "segfault" | "exit"; sleeps 0.3 s first)
    also_made                (before dies, in the order of the plan)

On the in-process and thread executors ``dies`` kills the run's own process. ``made`` and
``also_made`` ended more than 0.1 s before, so their records must be on file.
"""

import ctypes
import os
import time

from headwater import asset


@asset
def made() -> int:
    return 41


@asset
def also_made() -> str:
    return "kept"


@asset(deps=[also_made])
def dies(made: int) -> int:
    time.sleep(0.3)
    if os.environ.get("HW_DEATH") == "exit":
        os._exit(3)
    ctypes.string_at(0)  # a segfault, as a crash in native code would be
    return made + 1
