"""RetryRequested until an upstream service is ready, and a Failure that must not be retried."""

from headwater import AssetExecutionContext, Failure, RetryPolicy, RetryRequested, asset


@asset
def export_ready(context: AssetExecutionContext) -> str:
    if context.retry_number < 2:  # the export is still being written
        raise RetryRequested(max_retries=3, seconds_to_wait=0.01)
    return "export.csv"


@asset(retry_policy=RetryPolicy(max_retries=3))
def credentials() -> str:
    raise Failure(description="the API key was revoked", metadata={"status": 403}, allow_retries=False)


@asset
def report(export_ready: str, credentials: str) -> str:
    return export_ready + credentials


EXPECTED = {
    "status": "FAILURE",
    "steps": {"export_ready": "SUCCESS", "credentials": "FAILURE", "report": "UPSTREAM_FAILED"},
    "outputs": {"export_ready": "export.csv"},
    "errors": {"credentials": "Failure: the API key was revoked (status=403)"},
    "attempts": {"export_ready": 3, "credentials": 1},
}
