"""Resources: a ConfigurableResource client given to assets by Definitions, configured from EnvVar."""

import headwater as dg


class WeatherApiResource(dg.ConfigurableResource):
    base_url: str
    units: str = "metric"

    def forecast_url(self, city: str) -> str:
        return f"{self.base_url}/forecast?city={city}&units={self.units}"


@dg.asset
def paris_forecast_url(weather_api: WeatherApiResource) -> str:
    return weather_api.forecast_url("paris")


@dg.asset
def url_length(paris_forecast_url: str) -> int:
    return len(paris_forecast_url)


defs = dg.Definitions(
    assets=[paris_forecast_url, url_length],
    resources={"weather_api": WeatherApiResource(base_url=dg.EnvVar("WEATHER_API_URL"))},
)

EXPECTED = {
    "env": {"WEATHER_API_URL": "https://api.example"},
    "status": "SUCCESS",
    "steps": {"paris_forecast_url": "SUCCESS", "url_length": "SUCCESS"},
    "outputs": {"paris_forecast_url": "https://api.example/forecast?city=paris&units=metric", "url_length": 52},
}
