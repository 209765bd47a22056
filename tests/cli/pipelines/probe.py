"""One asset that writes what its process sees to ``$HW_PROBE`` (JSON), for the CLI server tests.

::

    probe

Its session, current folder, umask, ``$HW_PROBE_VALUE``, a line of stdin when
``$HW_PROBE_STDIN`` is set, whether stdout is a terminal and its size, and ``VERSION``
(a test edits this file between two runs).
"""

import json
import os
import sys

from headwater import asset

VERSION = 1


@asset
def probe() -> int:
    umask = os.umask(0)
    os.umask(umask)
    tty = os.isatty(1)
    facts = {
        "sid": os.getsid(0),
        "cwd": os.getcwd(),
        "umask": umask,
        "value": os.environ.get("HW_PROBE_VALUE"),
        "stdin": sys.stdin.readline() if os.environ.get("HW_PROBE_STDIN") else None,
        "tty": tty,
        "size": list(os.get_terminal_size(1)) if tty else None,
        "version": VERSION,
    }
    with open(os.environ["HW_PROBE"], "w", encoding="utf-8") as out:
        json.dump(facts, out)
    return VERSION
