"""A resource and run config together: the resource holds the connection, the config the query."""

from headwater import Config, ConfigurableResource, Definitions, RunConfig, asset


class InMemoryDatabase(ConfigurableResource):
    tables: dict[str, list[int]] = {"sales": [3, 5, 8], "refunds": [1]}

    def read(self, table: str) -> list[int]:
        return list(self.tables[table])


class QueryConfig(Config):
    table: str
    minimum: int = 0


@asset
def filtered_rows(config: QueryConfig, database: InMemoryDatabase) -> list[int]:
    return [value for value in database.read(config.table) if value >= config.minimum]


@asset
def filtered_total(filtered_rows: list[int]) -> int:
    return sum(filtered_rows)


defs = Definitions(assets=[filtered_rows, filtered_total], resources={"database": InMemoryDatabase()})

EXPECTED = {
    "run_config": RunConfig(ops={"filtered_rows": QueryConfig(table="sales", minimum=4)}),
    "status": "SUCCESS",
    "steps": {"filtered_rows": "SUCCESS", "filtered_total": "SUCCESS"},
    "outputs": {"filtered_total": 13},
}
