"""An asset check that raises fails its step (and the run), like any step."""

from headwater import AssetCheckResult, asset, asset_check


@asset
def prices() -> list[float]:
    return [1.0, 2.0]


@asset_check(asset=prices)
def prices_in_range(prices: list[float]) -> AssetCheckResult:
    raise ConnectionError("reference prices unavailable")


EXPECTED = {
    "status": "FAILURE",
    "steps": {"prices": "SUCCESS", "prices:prices_in_range": "FAILURE"},
    "errors": {"prices:prices_in_range": "ConnectionError: reference prices unavailable"},
}
