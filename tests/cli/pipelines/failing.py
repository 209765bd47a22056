"""A failing step, its downstream, and an independent branch.

::

    root ──> boom ──> after_boom        (boom raises: after_boom is skipped)
      └────> independent                (still runs)
"""

from headwater import asset


@asset
def root() -> int:
    return 1


@asset
def boom(root: int) -> int:
    print("about to fail")
    raise ValueError("boom went wrong")


@asset
def after_boom(boom: int) -> int:
    return boom + 1


@asset
def independent(root: int) -> int:
    print("independent ran")
    return root + 1
