"""ins= maps a parameter to an asset named differently."""

from headwater import AssetIn, asset


@asset
def iris_measurements() -> list[float]:
    return [5.1, 4.9, 4.7]


@asset(ins={"values": AssetIn("iris_measurements")})
def mean_length(values: list[float]) -> float:
    return round(sum(values) / len(values), 3)


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"iris_measurements": "SUCCESS", "mean_length": "SUCCESS"},
    "outputs": {"mean_length": 4.9},
}
