"""@multi_asset with AssetSpecs, a skippable asset, and can_subset."""

from headwater import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset


@multi_asset(
    specs=[AssetSpec("orders_table"), AssetSpec("refunds_table", skippable=True), AssetSpec("audit_log")],
    can_subset=True,
)
def sync_tables(context: AssetExecutionContext):
    for name in sorted(context.selected_output_names):
        if name == "refunds_table":
            continue  # nothing new to sync today
        yield MaterializeResult(asset_key=name, value=f"{name} synced", metadata={"table": name})


EXPECTED = {
    "status": "SUCCESS",
    "steps": {"sync_tables": "SUCCESS", "orders_table": "SUCCESS", "refunds_table": "SUCCESS", "audit_log": "SUCCESS"},
    "outputs": {"orders_table": "orders_table synced", "audit_log": "audit_log synced"},
    "reasons": {"refunds_table": "produced no output (output_required=False)"},
    "materialized": ["sync_tables", "orders_table", "audit_log"],
}
