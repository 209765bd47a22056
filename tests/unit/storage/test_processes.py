"""A process that ended is not alive, even before anyone has waited for it."""

from __future__ import annotations

import os
import time

from headwater.storage.processes import process_alive


def test_a_zombie_is_not_alive() -> None:
    """A run killed with its parent is re-parented to init, which may reap it late."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 10
        while process_alive(pid):  # a zombie from the moment it exits until it is waited for
            assert time.monotonic() < deadline, "an ended, unreaped process still counts as alive"
            time.sleep(0.01)
    finally:
        os.waitpid(pid, 0)
    assert not process_alive(pid)
    assert process_alive(os.getpid())
