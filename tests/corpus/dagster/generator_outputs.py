"""Generator assets: yield an Output with metadata instead of returning the value."""

from headwater import Output, asset


@asset
def raw_rows():
    rows = [{"id": i, "value": i * i} for i in range(5)]
    yield Output(rows, metadata={"num_rows": len(rows), "source": "generated"})


@asset
def total_value(raw_rows):
    yield Output(sum(row["value"] for row in raw_rows))


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"raw_rows": "SUCCESS", "total_value": "SUCCESS"},
    "outputs": {"total_value": 30},
    "metadata": {"raw_rows": {"num_rows": 5, "source": "generated"}},
}
