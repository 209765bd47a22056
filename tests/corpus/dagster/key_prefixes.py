"""Multi-part asset keys: key_prefix on @asset, AssetIn(key_prefix=...), AssetKey paths."""

from headwater import AssetIn, AssetKey, asset


@asset(key_prefix=["warehouse", "raw"])
def users() -> list[str]:
    return ["ada", "grace"]


@asset(key_prefix="warehouse", ins={"users": AssetIn(key_prefix=["warehouse", "raw"])})
def user_count(users: list[str]) -> int:
    return len(users)


@asset(key=AssetKey(["reports", "users"]), ins={"count": AssetIn(AssetKey(["warehouse", "user_count"]))})
def users_report(count: int) -> str:
    return f"{count} users"


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"warehouse/raw/users": "SUCCESS", "warehouse/user_count": "SUCCESS", "reports/users": "SUCCESS"},
    "outputs": {"warehouse/user_count": 2, "reports/users": "2 users"},
}
