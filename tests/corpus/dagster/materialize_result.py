"""MaterializeResult: an asset that stores its data itself and reports metadata."""

import json
import tempfile
from pathlib import Path

from headwater import MaterializeResult, asset

OUT = Path(tempfile.gettempdir())


@asset
def exported_report() -> MaterializeResult:
    rows = [{"k": "a"}, {"k": "b"}]
    path = OUT / "headwater_corpus_report.json"
    path.write_text(json.dumps(rows))
    return MaterializeResult(metadata={"rows": len(rows), "path": str(path)})


@asset(deps=[exported_report])
def report_size() -> int:
    return len(json.loads((OUT / "headwater_corpus_report.json").read_text()))


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"exported_report": "SUCCESS", "report_size": "SUCCESS"},
    "outputs": {"exported_report": None, "report_size": 2},
    "metadata": {"exported_report": {"rows": 2, "path": str(OUT / "headwater_corpus_report.json")}},
}
