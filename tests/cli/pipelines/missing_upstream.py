"""``model`` asks for ``trainig_data``, a misspelling of ``training_data``."""

from headwater import asset


@asset
def training_data() -> list[int]:
    return [1, 2]


@asset
def model(trainig_data: list[int]) -> int:
    return len(trainig_data)
