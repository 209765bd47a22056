"""Two assets with the key ``scores``."""

from headwater import asset


@asset(name="scores")
def scores_v1() -> int:
    return 1


@asset(name="scores")
def scores_v2() -> int:
    return 2
