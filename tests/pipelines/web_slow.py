"""A slow pipeline for the web UI's live tests: ``ticker`` prints a line every 0.1 s for a
minute (long enough to watch its logs stream and to cancel it), then ``after`` runs.

::

    ticker ──> after
"""

from __future__ import annotations

import time

from headwater import asset


@asset(group="slow")
def ticker() -> int:
    """Prints ``tick N`` ten times a second for 60 seconds."""
    for i in range(600):
        print(f"tick {i}", flush=True)
        time.sleep(0.1)
    return 600


@asset(group="slow")
def after(ticker: int) -> int:
    return ticker + 1
