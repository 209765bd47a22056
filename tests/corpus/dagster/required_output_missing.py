"""A generator asset that yields nothing while its output is required fails clearly."""

from headwater import Output, asset


@asset
def daily_extract():
    rows = []
    for row in rows:
        yield Output(row)


@asset
def daily_summary(daily_extract) -> int:
    return len(daily_extract)


EXPECTED = {
    "status": "FAILURE",
    "steps": {"daily_extract": "FAILURE", "daily_summary": "UPSTREAM_FAILED"},
    "errors": {"daily_extract": "yielded no output"},
}
