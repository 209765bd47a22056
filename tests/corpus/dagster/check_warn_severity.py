"""A blocking check that fails with severity WARN does not block."""

from headwater import AssetCheckResult, AssetCheckSeverity, asset, asset_check


@asset
def temperatures() -> list[float]:
    return [12.5, 48.0, 13.1]


@asset
def mean_temperature(temperatures: list[float]) -> float:
    return round(sum(temperatures) / len(temperatures), 2)


@asset_check(asset=temperatures, blocking=True)
def plausible(temperatures: list[float]) -> AssetCheckResult:
    outliers = [t for t in temperatures if t > 45]
    return AssetCheckResult(passed=not outliers, severity=AssetCheckSeverity.WARN, description=f"{len(outliers)} outliers")


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"temperatures": "SUCCESS", "temperatures:plausible": "SUCCESS", "mean_temperature": "SUCCESS"},
    "outputs": {"mean_temperature": 24.53},
    "checks": {("temperatures", "plausible"): False},
}
