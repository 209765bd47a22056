"""Run config: a Config class as the asset's parameter, values from the run."""

import headwater as dg


class ForecastConfig(dg.Config):
    horizon_days: int
    model: str = "naive"


@dg.asset
def history() -> list[float]:
    return [10.0, 12.0, 11.0]


@dg.asset
def forecast(config: ForecastConfig, history: list[float]) -> list[float]:
    return [history[-1]] * config.horizon_days


EXPECTED = {
    "run_config": dg.RunConfig(ops={"forecast": ForecastConfig(horizon_days=2)}),
    "status": "SUCCESS",
    "steps": {"history": "SUCCESS", "forecast": "SUCCESS"},
    "outputs": {"forecast": [11.0, 11.0]},
}
