"""An asset whose name has a comma: it could never be selected by its own name."""

from headwater import asset


@asset(name="scores,v2")
def scores() -> int:
    return 1
