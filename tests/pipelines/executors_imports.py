"""Notes each import of this module (one line per process) in ``$HW_IMPORT_LOG``, then
defines steps that return the pid of the process they ran in.
"""

from __future__ import annotations

import os

from headwater import asset

if os.environ.get("HW_IMPORT_LOG"):
    with open(os.environ["HW_IMPORT_LOG"], "a") as log:
        log.write(f"{os.getpid()}\n")


def _pid() -> int:
    return os.getpid()


@asset
def pid_1() -> int:
    return _pid()


@asset
def pid_2() -> int:
    return _pid()


@asset
def pid_3() -> int:
    return _pid()


@asset
def pid_4() -> int:
    return _pid()


@asset
def pid_5() -> int:
    return _pid()


@asset
def pid_6() -> int:
    return _pid()
