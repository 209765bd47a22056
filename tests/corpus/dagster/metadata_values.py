"""Rich metadata with MetadataValue: markdown previews, URLs, tables; numbers become metrics."""

import headwater as dg


@dg.asset
def customers() -> dg.MaterializeResult:
    rows = [{"id": 1, "country": "fr"}, {"id": 2, "country": "de"}]
    return dg.MaterializeResult(
        value=rows,
        metadata={
            "num_rows": dg.MetadataValue.int(len(rows)),
            "preview": dg.MetadataValue.md("| id | country |\n|---|---|\n| 1 | fr |"),
            "source": dg.MetadataValue.url("https://example.com/customers.csv"),
            "sample": dg.MetadataValue.table(
                records=[dg.TableRecord(row) for row in rows],
                schema=dg.TableSchema(columns=[dg.TableColumn("id", "int"), dg.TableColumn("country")]),
            ),
        },
    )


@dg.asset
def countries(customers: list[dict]) -> list[str]:
    return sorted({row["country"] for row in customers})


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"customers": "SUCCESS", "countries": "SUCCESS"},
    "outputs": {"countries": ["de", "fr"]},
    "metadata": {"customers": {
        "num_rows": 2,
        "preview": {"type": "md", "value": "| id | country |\n|---|---|\n| 1 | fr |"},
        "source": {"type": "url", "value": "https://example.com/customers.csv"},
        "sample": {"type": "table", "value": {
            "records": [{"id": 1, "country": "fr"}, {"id": 2, "country": "de"}],
            "schema": {"columns": [{"name": "id", "type": "int", "description": None},
                                   {"name": "country", "type": "string", "description": None}]},
        }},
    }},
}
