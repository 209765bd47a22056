"""A cycle: a -> b -> c -> a."""

from headwater import asset


@asset
def a(c: int) -> int:
    return c


@asset
def b(a: int) -> int:
    return a


@asset
def c(b: int) -> int:
    return b
