"""The first tutorial: three assets, a dependency by parameter name, and Definitions."""

import headwater as dg


@dg.asset
def country_populations() -> dict[str, int]:
    return {"fr": 68, "de": 84, "it": 59}


@dg.asset
def continent_population(country_populations: dict[str, int]) -> int:
    return sum(country_populations.values())


@dg.asset(description="The biggest country")
def biggest_country(country_populations: dict[str, int]) -> str:
    return max(country_populations, key=country_populations.__getitem__)


defs = dg.Definitions(assets=[country_populations, continent_population, biggest_country])

EXPECTED = {
    "status": "SUCCESS",
    "steps": {"country_populations": "SUCCESS", "continent_population": "SUCCESS", "biggest_country": "SUCCESS"},
    "outputs": {"continent_population": 211, "biggest_country": "de"},
}
