"""A job with its run config (define_asset_job(config=...)), in Dagster's dict form."""

from headwater import Config, Definitions, asset, define_asset_job


class ThresholdConfig(Config):
    threshold: float = 0.5
    label: str


@asset
def scores() -> list[float]:
    return [0.2, 0.7, 0.9]


@asset
def positives(config: ThresholdConfig, scores: list[float]) -> dict:
    return {config.label: sum(1 for score in scores if score >= config.threshold)}


nightly = define_asset_job(
    "nightly", selection="*", config={"ops": {"positives": {"config": {"threshold": 0.8, "label": "high"}}}}
)
defs = Definitions(assets=[scores, positives], jobs=[nightly])

EXPECTED = {
    "job": "nightly",
    "status": "SUCCESS",
    "steps": {"scores": "SUCCESS", "positives": "SUCCESS"},
    "outputs": {"positives": {"high": 1}},
    "metadata": {"positives": {"headwater/config": {"threshold": 0.8, "label": "high"}}},
}
