"""AssetExecutionContext: logging and add_output_metadata."""

from headwater import AssetExecutionContext, asset


@asset
def scores(context: AssetExecutionContext) -> list[int]:
    values = [3, 1, 2]
    context.log.info("loaded %d scores", len(values))
    context.add_output_metadata({"count": len(values)})
    return values


@asset
def best_score(context: AssetExecutionContext, scores: list[int]) -> int:
    context.log.info("best of %d", len(scores))
    return max(scores)


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"scores": "SUCCESS", "best_score": "SUCCESS"},
    "outputs": {"best_score": 3},
    "metadata": {"scores": {"count": 3}},
    "logs": {("scores", "loaded 3 scores"), ("best_score", "best of 3")},
}
