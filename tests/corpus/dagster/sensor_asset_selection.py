"""A sensor that targets assets instead of a job (``asset_selection=``), and a legacy-style
schedule built from functions of its tick (``run_config_fn``, ``tags_fn``, ``should_execute``),
as older Dagster projects and the sensors guide write them. The run uses the sensor's job."""

import headwater as dg


class ReportConfig(dg.Config):
    currency: str = "EUR"


@dg.asset
def payments() -> list[int]:
    return [120, 80, 40]


@dg.asset
def revenue_report(config: ReportConfig, payments: list[int]) -> str:
    return f"{sum(payments)} {config.currency}"


@dg.sensor(asset_selection=[revenue_report], minimum_interval_seconds=60)
def payments_landed(context: dg.SensorEvaluationContext):
    last = int(context.cursor or 0)
    if last >= 3:
        return dg.SkipReason("no new payment files")
    context.update_cursor(str(last + 1))
    return dg.RunRequest(run_key=f"batch-{last + 1}")


payments_job = dg.define_asset_job("payments_job", selection=[payments, revenue_report])

weekday_payments = dg.ScheduleDefinition(
    name="weekday_payments",
    job=payments_job,
    cron_schedule="0 6 * * *",
    run_config_fn=lambda context: {"ops": {"revenue_report": {"config": {"currency": "USD"}}}},
    tags_fn=lambda context: {"date": context.scheduled_execution_time.strftime("%Y-%m-%d")},
    should_execute=lambda context: context.scheduled_execution_time.weekday() < 5,
)

EXPECTED = {
    "job": "payments_job",
    "status": "SUCCESS",
    "steps": {"payments": "SUCCESS", "revenue_report": "SUCCESS"},
    "outputs": {"revenue_report": "240 EUR"},
    "schedules": ["weekday_payments"],
    "sensors": ["payments_landed"],
}
