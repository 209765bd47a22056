"""a -> b -> c, where b raises while BREAK is set in the environment."""

from headwater import asset
import os
@asset
def a() -> list[int]:
    return [1, 2]
@asset
def b(a: list[int]) -> int:
    if os.environ.get("BREAK"):
        raise RuntimeError("broken b")
    return sum(a)
@asset
def c(b: int) -> int:
    return b * 2
