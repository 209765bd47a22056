"""deps=: ordering without passing a value (an asset that writes a table, another that reads it)."""

import json
import tempfile
from pathlib import Path

import headwater as dg

TABLE = Path(tempfile.gettempdir()) / "headwater_corpus_numbers.json"


@dg.asset
def load_table() -> None:
    TABLE.write_text(json.dumps([1, 2, 3]))


@dg.asset(deps=[load_table])
def table_sum() -> int:
    return sum(json.loads(TABLE.read_text()))


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"load_table": "SUCCESS", "table_sum": "SUCCESS"},
    "outputs": {"table_sum": 6},
}
