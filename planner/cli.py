"""The `restock` command: parse options, call the library, print a short summary.

Exit codes (also in the README):
  0  success
  1  unexpected error (a bug: please report it with the traceback shown by --debug)
  2  usage error, shop not found, invalid shop.toml or scenario file
  3  bad input: a file, row and column are named in the message
  4  the store cannot be opened (e.g. written by a newer restock, or damaged), or a backup does not match its checksum
  74 a file cannot be written: the disk is full or a folder is read-only (the last good outputs are untouched)
  75 another run holds the shop's lock (try again later)
"""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

from planner import __version__
from planner.errors import RestockError
from planner.logs import progress_bar

SHOP_OPTION_HELP = "The shop folder (default: the current folder)."


def shop_option(func):
    """The shared --shop option: opens the shop and passes it as ``shop``."""

    @click.option("--shop", "shop_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                  show_default=False, help=SHOP_OPTION_HELP)
    @functools.wraps(func)
    def wrapper(*args, shop_dir: Path, **kwargs):
        from planner.shop import Shop

        return func(*args, shop=Shop.open(shop_dir), **kwargs)

    return wrapper


class RestockGroup(click.Group):
    """Turns the library's own exceptions into one-line messages and documented exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RestockError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:  # a full disk or a folder that cannot be written: say which (exit 74)
            from planner.io.files import write_failure

            failure = write_failure(exc)
            if failure is None:
                raise
            click.echo(f"Error: {failure}", err=True)
            ctx.exit(failure.exit_code)


@click.group(cls=RestockGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="restock")
def main() -> None:
    """restock: forecast demand and plan restock orders for a TikTok Shop seller, offline.

    \b
    Start with the bundled sample shop:
      restock init demo-shop --sample
      restock run --shop demo-shop        # import, forecast, backtest (weekly), plan, scenarios, report
      ls demo-shop/runs/latest/           # orders.csv, plan.csv, alerts.csv, report.pdf, dashboard.html ...
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Copy the bundled sample shop (a Thai beauty/home/gadgets seller).")
def init_command(directory: Path, sample: bool) -> None:
    """Create a shop folder: a commented shop.toml, empty input templates, inbox/ and runs/.

    \b
    Example:
      restock init my-shop
      restock init demo-shop --sample
    """
    from planner.shop import init_shop

    shop = init_shop(directory, sample=sample)
    click.echo(f"Created shop '{shop.config.shop.name}' in {directory}")
    if sample:
        click.echo(f"Next: restock run --shop {directory}")
    else:
        click.echo(f"Next: edit {directory}/shop.toml and the input tables (see docs/inputs.md), then "
                   f"restock import --shop {directory} ORDERS.csv")


@main.command("import")
@shop_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--on-bad-rows", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="fail: stop at the first bad row, storing nothing of that file; skip: store the good rows "
                   "and write the bad ones with their reason to rejects/FILE.rejects.csv.")
@click.option("--format", "fmt", type=click.Choice(["tiktok", "generic", "online_retail"]), default=None,
              help="The file format (default: recognised from the header).")
def import_command(shop, files: tuple[Path, ...], on_bad_rows: str, fmt: str | None) -> None:
    """Import order files into the shop's store: TikTok Shop exports (CSV/XLSX), generic
    sku/date/units tables (CSV/Parquet), or Online Retail lines. Overlapping exports update
    lines; importing a file twice changes nothing. Buyer personal data is never read.

    \b
    Example:
      restock import --shop my-shop exports/orders_2026-09-01_2026-11-29.csv
    """
    from planner.importer import import_files

    results = import_files(shop, list(files), on_bad_rows=on_bad_rows, fmt=fmt)
    width = max(len(r.file) for r in results)
    click.echo(f"{'file':<{width}}  {'format':<13} {'added':>8} {'updated':>8} {'unchanged':>9} {'rejected':>8}")
    for r in results:
        click.echo(f"{r.file:<{width}}  {r.format:<13} {r.added:>8} {r.updated:>8} {r.unchanged:>9} {r.rejected:>8}")
        if r.rejects_file:
            click.echo(f"  rejected rows and reasons: {r.rejects_file}")
    for r in results:
        for warning in r.warnings:
            click.echo(f"Warning: {warning}", err=True)


@main.command("history")
@shop_option
@click.option("--top", default=10, show_default=True, help="How many top SKUs to list.")
def history_command(shop, top: int) -> None:
    """Summarise the order history in the store: period, lines, SKUs, units, returns, top sellers.

    \b
    Example:
      restock history --shop demo-shop
    """
    from planner.summary import history_summary

    click.echo(history_summary(shop, top=top))


def _echo_fbt(inputs) -> None:
    """`restock check`'s lines on the FBT exports (planner.io.fbt_stock)."""
    fbt = inputs.fbt
    on_order = fbt.on_order
    click.echo(f"{'FBT exports':<22} {len(fbt.files):>6} files: {fbt.inventory['sku'].nunique()} SKUs counted at fbt "
               f"({fbt.warehouses['warehouse'].nunique()} warehouses), {on_order['po_id'].nunique()} inbound requests "
               f"on order ({on_order['quantity'].sum():,.0f} units), {fbt.closed['request_id'].nunique()} closed")
    click.echo(f"{'FBT receiving days':<22} {inputs.fbt_receiving_days if inputs.fbt_receiving_days is not None else '-':>6}"
               f"  from {inputs.fbt_receiving_source}")
    if len(fbt.unmatched):
        click.echo(f"  {len(fbt.unmatched)} FBT export rows name products no SKU is known for "
                   f"(map them in exports/product_ids.csv: product_id,sku)")


@main.command("check")
@shop_option
def check_command(shop) -> None:
    """Check every input table of the shop (campaigns, inventory, purchase orders, products,
    suppliers, bundles) and report what was read.

    \b
    Example:
      restock check --shop demo-shop
    """
    from planner import pipeline

    pipeline.known_model(shop.config.planning.model, "shop.toml 'planning.model'")
    inputs = shop.inputs()
    exports = shop.export_history()
    added = exports.added if exports is not None else 0
    for table in ("products", "suppliers", "bundles", "inventory", "purchase_orders", "campaigns", "events", "overrides"):
        rows = len(getattr(inputs, table)) - (added if table == "campaigns" else 0)
        if table == "purchase_orders":  # the lines approved in restock come from the store, not the file
            rows = int(inputs.purchase_orders["_row"].notna().sum())
        click.echo(f"{table + '.csv':<22} {rows:>6} rows  ok")
    inbound = int(inputs.purchase_orders["po_id"].astype(str).str.startswith("IBR:").sum())
    approved = len(inputs.purchase_orders) - int(inputs.purchase_orders["_row"].notna().sum()) - inbound
    if approved:
        click.echo(f"{'approved in restock':<22} {approved:>6} purchase-order lines on order (restock purchase-orders)")
    if exports is not None:
        click.echo(f"{'exports/':<22} {len(exports.files):>6} files: {len(exports.derived)} campaigns, {added} added "
                   f"to the calendar, {len(exports.derived) - added} already in campaigns.csv")
        for row in exports.disagreements.head(20).itertuples(index=False):
            click.echo(f"  {row.campaign_id}: {row.field} is {row.calendar} in campaigns.csv, {row.export} in the exports "
                       f"({row.export_campaigns}); campaigns.csv wins")
        if len(exports.disagreements) > 20:
            click.echo(f"  ... and {len(exports.disagreements) - 20} more disagreements")
        if len(exports.unmatched):
            click.echo(f"  {len(exports.unmatched)} export rows name products no SKU is known for "
                       f"(map them in exports/product_ids.csv: product_id,sku)")
    if inputs.fbt is not None:
        _echo_fbt(inputs)
    history = pipeline.load_history(shop) if shop.store_path.exists() else None
    if history is not None or inputs.snapshot_date is not None:
        today = pipeline.plan_today(inputs, history) if history is not None else inputs.snapshot_date
        for warning in pipeline.input_warnings(shop, inputs, history, today):
            click.echo(f"Warning: {warning}", err=True)


def _out_folder(shop, out: Path | None) -> Path:
    return out if out is not None else shop.root / "outputs"


@main.command("forecast")
@shop_option
@click.option("--model", default=None, help="Forecast model (default: shop.toml planning.model, 'campaign').")
@click.option("--horizon", type=click.IntRange(7, 730), default=None, help="Days to forecast (default: shop.toml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for forecast.csv and forecast.parquet (default: SHOP/outputs).")
def forecast_command(shop, model: str | None, horizon: int | None, out: Path | None) -> None:
    """Forecast daily demand per SKU with quantiles (P50 ... P99), campaigns included, and write
    forecast.csv and forecast.parquet. Each SKU uses the model the last backtest chose for it
    (model_choice.csv), unless --model names one for all. Its point forecast (column point) is a
    mean; point_method and point_reason say which and why (docs/outputs.md).

    \b
    Example:
      restock forecast --shop demo-shop --horizon 60
    """
    from planner import pipeline

    result = pipeline.run_forecast(shop, shop.inputs(), model=model, horizon=horizon)
    files = pipeline.write_forecast(result, _out_folder(shop, out))
    frame = result.forecast
    per_model = frame.drop_duplicates("sku")["model"].value_counts()
    click.echo(f"Forecast: {frame['sku'].nunique()} SKUs x {frame['date'].nunique()} days from "
               f"{frame['date'].min():%Y-%m-%d}; {frame['mean'].sum():,.0f} units expected in all")
    click.echo("Models: " + ", ".join(f"{m} for {n} SKUs" for m, n in per_model.items())
               + (" (per-SKU choice of the last backtest)" if result.model_choice is not None else ""))
    for path in files:
        click.echo(f"  wrote {path}")


@main.command("backtest")
@shop_option
@click.option("--models", default="campaign,seasonal_naive,moving_average,ets,croston,tsb", show_default=True,
              help="Comma-separated registry names to compare (also: sarimax, prophet, sba).")
@click.option("--horizon", type=click.IntRange(7, 365), default=None, help="Days per origin (default: shop.toml horizon).")
@click.option("--cutoffs", type=click.IntRange(1, 12), default=3, show_default=True, help="Number of rolling origins.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for backtest_metrics.csv, model_choice.csv and lead_time_calibration.csv (default: SHOP/backtests).")
def backtest_command(shop, models: str, horizon: int | None, cutoffs: int, out: Path | None) -> None:
    """Backtest forecast models on the shop's own history (rolling origins, stockout days never
    scored): WAPE, MASE, RMSSE, bias, pinball loss and interval coverage, overall, per SKU class and
    on campaign days; then which model each SKU should use and why. For reading: `restock run` and
    `restock plan` keep using the backtest of the newest run (it runs one weekly).

    \b
    Example:
      restock backtest --shop demo-shop --models campaign,seasonal_naive,ets --horizon 42
    """
    from planner import pipeline

    names = [m.strip() for m in models.split(",") if m.strip()]
    for name in names:
        pipeline.known_model(name, "--models")
    out = out if out is not None else shop.root / "backtests"
    if out.resolve().is_relative_to(shop.runs.resolve()):
        raise click.UsageError(f"--out {out} is inside the shop's runs folder, whose backtests the next run plans "
                               f"with; choose another folder")
    inputs = shop.inputs()
    with progress_bar(cutoffs, "origin", "backtest") as progress:
        result, calibration, point_choice = pipeline.backtest_job(shop, inputs, names, horizon=horizon, n_cutoffs=cutoffs,
                                                                  progress=progress)
    files = pipeline.write_backtest(result, out, calibration, point_choice)
    table = result.metrics
    click.echo(f"Backtest over {len(result.cutoffs)} origin(s): " + ", ".join(f"{c:%Y-%m-%d}" for c in result.cutoffs))
    click.echo(f"{'model':<16} {'segment':<16} {'WAPE':>7} {'MASE':>7} {'bias':>7} {'cover P90':>10}")
    for row in table[table["segment"].isin(["all", "campaign days"])].itertuples():
        segment = "all days" if row.segment == "all" else "campaign days"
        click.echo(f"{row.model:<16} {segment:<16} {row.wape:>7.3f} {row.mase:>7.3f} {row.bias:>+7.3f} {row.coverage_p90:>10.1%}")
    counts = result.choice["model"].value_counts()
    click.echo("Model per SKU: " + ", ".join(f"{model} {n}" for model, n in counts.items())
               + " (reasons in model_choice.csv)")
    click.echo(f"Lead-time demand calibration: {calibration.windows} past windows (the plan's safety stock uses them)")
    for path in files:
        click.echo(f"  wrote {path}")
    click.echo("These are for reading: restock run and restock plan keep planning with the backtest of the newest "
               "run (restock run --backtest makes a new one).")


@main.command("plan")
@shop_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for plan.csv, orders.csv, transfers.csv, alerts.csv, projected.csv (default: SHOP/outputs).")
@click.option("--model", default=None, help="Forecast model (default: shop.toml planning.model).")
def plan_command(shop, out: Path | None, model: str | None) -> None:
    """Plan safety stock, reorder points and restock orders from the forecast, the inventory
    snapshot, open purchase orders and the product/supplier table. Every order line says why.

    \b
    Example:
      restock plan --shop demo-shop --out demo-shop/outputs
    """
    from planner import pipeline

    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs, model=model)
    warnings = pipeline.input_warnings(shop, inputs, result.history, result.today, result.spikes, result.overrides)
    plan = pipeline.run_plan(shop, inputs, result)
    folder = _out_folder(shop, out)
    files = pipeline.write_forecast(result, folder) + pipeline.write_plan(plan, folder)
    click.echo(_plan_summary(shop, plan))
    click.echo(f"Files in {folder}: " + ", ".join(p.name for p in files))
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)


def _plan_summary(shop, plan) -> str:
    from planner import pipeline

    currency = shop.config.shop.currency
    head = pipeline.headline(plan, currency)
    lines = [f"Plan for {shop.config.shop.name}: {head['skus_planned']} SKUs planned; "
             f"{head['order_lines']} order lines, {head['order_units']:,.0f} units, "
             f"{head['purchase_value']:,.2f} {currency}"]
    orders = plan.orders
    if len(orders):
        for supplier, group in orders.groupby("supplier", sort=True):
            lines.append(f"  {supplier}: {len(group)} lines, {group['quantity'].sum():,.0f} units, "
                         f"{group['value'].sum():,.2f} {currency}, first order-by {group['order_by'].min():%Y-%m-%d}")
    if head["alerts"]:
        lines.append("Alerts: " + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(head["alerts"].items())))
    return "\n".join(lines)


@main.command("scenarios")
@shop_option
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for scenarios.csv (default: SHOP/outputs).")
def scenarios_command(shop, files: tuple[Path, ...], out: Path | None) -> None:
    """Plan what-if scenarios against the same forecast and compare them with the plan as is:
    purchase value, units, expected fill rate, lost sales and margin, campaigns at risk, and
    inventory value at the end of the horizon. Without FILES, the shop's scenarios/*.yaml.

    \b
    Example:
      restock scenarios --shop demo-shop scenarios/livestream_3x.yaml scenarios/supplier_delay_14d.yaml
    """
    from planner import pipeline
    from planner.scenarios import compare_scenarios

    scenarios = pipeline.load_scenarios(shop, list(files) if files else None)
    if not scenarios:
        raise click.UsageError(f"no scenario files given and none in {shop.path('scenarios')}")
    inputs = shop.inputs()
    result = pipeline.run_forecast(shop, inputs)
    with progress_bar(len(scenarios), "scenario", "scenarios") as progress:
        table = compare_scenarios(shop, inputs, result, scenarios, progress=progress)
    folder = _out_folder(shop, out)
    folder.mkdir(parents=True, exist_ok=True)
    path = pipeline.write_frame(table, folder / "scenarios.csv")
    currency = shop.config.shop.currency
    click.echo(f"{'scenario':<28} {'purchase ' + currency:>16} {'vs base':>12} {'fill rate':>9} {'lost margin':>12} {'at risk':>7}")
    for row in table.to_dict("records"):
        click.echo(f"{str(row['scenario'])[:28]:<28} {row['purchase_value']:>16,.0f} {row['purchase_value_vs_baseline']:>+12,.0f} "
                   f"{row['fill_rate']:>9.1%} {row['lost_margin']:>12,.0f} {row['campaigns_at_risk']:>7.0f}")
        if row["note"]:
            click.echo(f"  {row['note']}")
    click.echo(f"  wrote {path}")


@main.command("report")
@shop_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to write (default: SHOP/outputs/report.pdf); dashboard.html is written beside it.")
@click.option("--scenario", "scenario_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Compare this scenario in the report (repeatable; default: the shop's scenarios/*.yaml).")
def report_command(shop, out: Path | None, scenario_files: tuple[Path, ...]) -> None:
    """Write the buyer's PDF: headline and shop health, restock orders per supplier ready to
    forward, risks, a page per top SKU at risk, scenario comparison and forecast accuracy.

    \b
    Example:
      restock report --shop demo-shop --out report.pdf
    """
    from planner import pipeline
    from planner.scenarios import compare_scenarios

    inputs = shop.inputs()
    scenarios = pipeline.load_scenarios(shop, list(scenario_files) if scenario_files else None)
    result = pipeline.run_forecast(shop, inputs)
    plan = pipeline.run_plan(shop, inputs, result)
    table = compare_scenarios(shop, inputs, result, scenarios) if scenarios else None
    metrics, _ = pipeline.latest_backtest(shop)
    path, _ = pipeline.report_job(shop, inputs, result, plan, out or _out_folder(shop, None) / "report.pdf", table, metrics)
    click.echo(_plan_summary(shop, plan))
    click.echo(f"Report: {path}")
    click.echo(f"Dashboard: {path.parent / pipeline.DASHBOARD_FILE}")


@main.command("simulate")
@shop_option
@click.option("--model", default=None, help="The planner's forecast model (default: shop.toml planning.model).")
@click.option("--service-level", type=click.FloatRange(0.5, 0.999), default=None,
              help="The planner's target (default: shop.toml).")
@click.option("--start-days", type=click.IntRange(90, None), default=None,
              help="Days of history before the replay (default: half, at least 90).")
@click.option("--paths", "n_paths", type=click.IntRange(20, 1000), default=100, show_default=True,
              help="Forecast sample paths per review.")
@click.option("--seed", default=0, show_default=True, help="Seed of the lead-time draws.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for simulation.csv (default: SHOP/outputs).")
def simulate_command(shop, model: str | None, service_level: float | None, start_days: int | None, n_paths: int,
                     seed: int, out: Path | None) -> None:
    """Replay the shop's own history: on each review day plan with the data up to that day, receive
    orders after the lead time, lose unmet demand; the planner against three seller policies (min/max
    with 20 safety units, 30 days of cover, textbook reorder point with z = 1.65), in the same run.

    \b
    Example:
      restock simulate --shop demo-shop --service-level 0.95
    """
    from planner import pipeline
    from planner.simulate import shop_replay, simulate_shop
    from planner.simulate.shop import review_count

    config = shop.config
    # suppliers as stated, and the deliveries recorded before the replay's first day as its warm-up: the
    # replay measures lead times day by day, never from deliveries after the day it plans
    inputs = shop.inputs(measure_suppliers=False)
    receipts = None
    if shop.store_path.exists():
        from planner.approve import recorded_receipts

        receipts = recorded_receipts(shop.store_path)
    settings = pipeline.plan_settings(config, inputs)
    replay = shop_replay(pipeline.load_history(shop), inputs, settings, start_days=start_days, seed=seed,
                         receipts=receipts)
    model = model or config.planning.model
    with progress_bar(4 * review_count(replay), "review", "simulate") as progress:  # the planner and 3 policies
        results = simulate_shop(replay, model=model, n_paths=n_paths, service_level=service_level or settings.service_level,
                                service_measure=settings.service_measure, fill_rate_scope=settings.fill_rate_scope,
                                min_sku_service=settings.min_sku_service, campaign_service=settings.campaign_service,
                                model_params=pipeline.model_calendar(config, model),
                                progress=progress)
    folder = _out_folder(shop, out)
    folder.mkdir(parents=True, exist_ok=True)
    path = pipeline.write_frame(results, folder / "simulation.csv")
    click.echo(f"Replayed {len(replay.skus)} SKUs over {replay.demand.shape[1] - replay.start} days from "
               f"{replay.dates[replay.start]:%Y-%m-%d} (lost sales, review every {replay.review_period_days} days, "
               f"planner model {model}); {len(replay.excluded)} SKUs left out (see below)")
    censored = int(replay.censored[:, replay.start:].sum())
    if censored:
        click.echo(f"  {censored} replayed SKU-days were stockouts in the shop's history: their demand is what sold, "
                   f"a lower bound")
    click.echo(f"{'policy':<10}{'knob':>6}  {'segment':<14}{'fill':>7}{'stockout':>10}{'inventory':>12}{'turns':>7}"
               f"{'orders':>8}{'lost margin':>13}")

    def blank(value, fmt):
        return "" if value != value else format(value, fmt)

    for row in results.itertuples():
        click.echo(f"{row.policy:<10}{row.knob:>6g}  {row.segment:<14}{row.fill_rate:>7.1%}{row.stockout_share:>10.1%}"
                   f"{blank(row.average_value, ',.0f'):>12}{blank(row.turns, '.1f'):>7}{blank(row.orders, '.0f'):>8}"
                   f"{row.lost_margin:>13,.0f}")
    reasons = replay.excluded["reason"].str.replace(r"sold on \d+ of", "sold on fewer than 20 of", regex=True)
    for reason, count in reasons.str.replace(r" \(fewer than \d+\)", "", regex=True).value_counts().items():
        click.echo(f"  left out: {count} SKU(s): {reason}")
    click.echo(f"Per class and segment in {path}")


@main.command("run")
@shop_option
@click.option("--on-bad-rows", type=click.Choice(["fail", "skip"]), default="fail", show_default=True,
              help="What a bad row in an inbox export does: fail the run, or skip it (listed in the run's rejects file).")
@click.option("--executor", type=click.Choice(["local", "processes", "dask"]), default=None,
              help="Where per-SKU models run (ets, sarimax, prophet): this process, local processes, or Dask.")
@click.option("--scheduler", default=None, help="Address of an existing Dask scheduler (with --executor dask).")
@click.option("--model", default=None, help="Forecast model (default: shop.toml planning.model).")
@click.option("--backtest/--no-backtest", default=None,
              help="Backtest the model in this run (default: when the last backtest is older than "
                   "planning.backtest_every_days).")
@click.option("--log-format", type=click.Choice(["auto", "text", "json"]), default="auto", show_default=True,
              help="auto: readable on a terminal, JSON lines otherwise (cron).")
def run_command(shop, on_bad_rows: str, executor: str | None, scheduler: str | None, model: str | None,
                backtest: bool | None, log_format: str) -> None:
    """Run the whole job: import new exports from inbox/ (moving them to inbox/imported/), forecast,
    backtest (weekly; the plan's safety stock rests on its errors), plan, plan the shop's scenarios, and write the buyer's report and dashboard, everything into
    runs/RUN_ID/ with a manifest; runs/latest points to the last good run. Safe for cron: a second run
    on the same shop exits at once with code 75.

    \b
    Example:
      restock run --shop demo-shop
      # cron, daily at 06:00:  0 6 * * *  restock run --shop /srv/shops/mint >> /var/log/restock.log 2>&1
    """
    from planner import pipeline
    from planner.logs import configure_logging, is_terminal
    from planner.run import DEFAULT_STEPS, execute_run

    configure_logging(log_format)
    options = {"on_bad_rows": on_bad_rows, "executor": executor, "scheduler": scheduler, "model": model,
               "backtest": backtest}
    bar = None
    if is_terminal():
        from tqdm import tqdm

        bar = tqdm(total=len(DEFAULT_STEPS), unit="step", leave=False, file=sys.stderr)

    def progress(step: str) -> None:  # called as each step starts: the previous one is done
        if bar is not None:
            if bar.desc:
                bar.update(1)
            bar.set_description(step)

    try:
        record = execute_run(shop, DEFAULT_STEPS, options, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    head = record.headline
    click.echo(f"Run {record.run_id} succeeded in {sum(s['seconds'] for s in record.steps.values()):.1f} s: "
               f"{record.steps['import']['files']} file(s) imported, {head.get('order_lines', 0)} order lines, "
               f"{head.get('purchase_value', 0):,.2f} {head.get('currency', '')}")
    click.echo(f"Outputs: {shop.runs / record.run_id} (report.pdf, {pipeline.DASHBOARD_FILE}, orders.csv, plan.csv, "
               f"alerts.csv, ...)")
    for warning in record.warnings:
        click.echo(f"Warning: {warning.splitlines()[0]}", err=True)


@main.command("approve")
@shop_option
@click.argument("numbers", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Approve every purchase order of the newest run.")
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Approve the purchase orders in this PO file (a run's po/SUPPLIER.csv or .xlsx, quantities or "
                   "delivery dates edited; 0 drops a line).")
@click.option("--by", default=None, help="Who approves (default: the operating-system user).")
@click.option("--date", "placed", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the orders were placed (default: today).")
def approve_command(shop, numbers: tuple[str, ...], approve_all: bool, from_file: Path | None, by: str | None,
                    placed) -> None:
    """Record purchase orders as placed, so that the next plan counts them as on order and does not
    order them again: PO numbers of the newest run (runs/latest/po/), --all of them, or --from an
    edited PO file. Reversible with `restock unapprove` until a delivery is received.

    \b
    Example:
      restock approve --shop demo-shop --all
      restock approve --shop demo-shop PO-R00003 PO-R00004 --by somchai
      restock approve --shop demo-shop --from "demo-shop/runs/latest/po/GZ Cosmetics.csv"
    """
    from planner.approve import approve
    from planner.run import shop_lock

    if sum([bool(numbers), approve_all, from_file is not None]) != 1:
        raise click.UsageError("name the PO numbers to approve, or give --all, or --from FILE (one of them)")
    inputs = shop.inputs()
    with shop_lock(shop):
        approvals = approve(shop.store_path, shop.runs, list(numbers) or None, from_file, by, placed,
                            set(inputs.products["sku"].astype(str)), shop.config.dates)
    currency = shop.config.shop.currency
    for a in approvals:
        click.echo(f"Approved {a.number}: {a.supplier} (ship to {a.location}), {a.lines} lines, {a.units:,} units, "
                   f"{a.value:,.2f} {currency}")
    click.echo(f"{len(approvals)} purchase order(s) recorded as placed; the next plan counts them as on order.")


@main.command("unapprove")
@shop_option
@click.argument("numbers", nargs=-1, required=True)
@click.option("--by", default=None, help="Who reverses it (default: the operating-system user).")
def unapprove_command(shop, numbers: tuple[str, ...], by: str | None) -> None:
    """Reverse the approval of purchase orders not yet received: the next plan no longer counts them.

    \b
    Example:
      restock unapprove --shop demo-shop PO-R00003
    """
    from planner.approve import unapprove
    from planner.run import shop_lock

    with shop_lock(shop):
        done = unapprove(shop.store_path, list(numbers), by)
    click.echo(f"Unapproved {', '.join(done)}; the next plan no longer counts them as on order.")


@main.command("receive")
@shop_option
@click.argument("number")
@click.option("--date", "received", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the delivery arrived (default: today).")
@click.option("--quantity", type=click.IntRange(1, None), default=None,
              help="Units received (default: everything still outstanding); with several lines, name one with --sku.")
@click.option("--sku", default=None, help="The line received (needed with --quantity when the PO has several lines).")
@click.option("--by", default=None, help="Who records it (default: the operating-system user).")
def receive_command(shop, number: str, received, quantity: int | None, sku: str | None, by: str | None) -> None:
    """Record a delivery of an approved purchase order (kept in the store's po_receipts, with the ordered,
    expected and received dates, for measuring lead times). Units received stop counting as on order
    from the first inventory snapshot dated on or after the delivery.

    \b
    Example:
      restock receive --shop demo-shop PO-R00003 --date 2026-12-05
      restock receive --shop demo-shop PO-R00004 --sku BEA-SERUM-012 --quantity 36
    """
    from planner.approve import receive
    from planner.run import shop_lock

    with shop_lock(shop):
        rows = receive(shop.store_path, number, received, quantity, sku, by)
    for row in rows.itertuples(index=False):
        click.echo(f"Received {number} {row.sku}: {row.received_quantity:,.0f} of {row.ordered_quantity:,.0f} units on "
                   f"{row.received_at:%Y-%m-%d} (expected {row.expected_arrival:%Y-%m-%d})")


@main.command("purchase-orders")
@shop_option
def purchase_orders_command(shop) -> None:
    """List the purchase orders approved in restock: status, units ordered and received.

    \b
    Example:
      restock purchase-orders --shop demo-shop
    """
    from planner.approve import purchase_order_status

    table = purchase_order_status(shop.store_path) if shop.store_path.exists() else None
    if table is None or table.empty:
        click.echo("No purchase orders approved yet (restock approve).")
        return
    click.echo(f"{'PO':<12} {'supplier':<24} {'ship to':<8} {'status':<9} {'approved':<11} {'by':<12} "
               f"{'lines':>5} {'ordered':>9} {'received':>9}")
    for row in table.itertuples(index=False):
        click.echo(f"{row.po_number:<12} {str(row.supplier)[:24]:<24} {row.location:<8} {row.status:<9} "
                   f"{row.approved_at:%Y-%m-%d}  {str(row.approved_by)[:12]:<12} {row.lines:>5} {row.ordered:>9,.0f} "
                   f"{row.received:>9,.0f}")


@main.command("runs")
@shop_option
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True,
              help="How many runs to list, newest first.")
def runs_command(shop, limit: int) -> None:
    """List past runs with status, duration and headline figures.

    \b
    Example:
      restock runs --shop demo-shop --limit 5
    """
    import json

    from planner.store import Store

    if not shop.store_path.exists():
        click.echo("No runs yet.")
        return
    with Store(shop.store_path, read_only=True) as store:
        runs = store.runs(limit)
    if runs.empty:
        click.echo("No runs yet.")
        return
    click.echo(f"{'run':<20} {'status':<10} {'seconds':>8} {'orders':>7} {'purchase value':>16}  message")
    for row in runs.itertuples():
        head = json.loads(row.headline) if isinstance(row.headline, str) and row.headline else {}
        seconds = f"{row.duration_seconds:.1f}" if row.duration_seconds == row.duration_seconds and row.duration_seconds is not None else "-"
        value = f"{head['purchase_value']:,.2f}" if "purchase_value" in head else "-"
        message = row.message.splitlines()[0] if isinstance(row.message, str) and row.message else ""  # NaN: none
        click.echo(f"{row.run_id:<20} {row.status:<10} {seconds:>8} {head.get('order_lines', '-'):>7} {value:>16}  "
                   f"{message}")


@main.command("backup")
@shop_option
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the copy (default: SHOP/backups).")
def backup_command(shop, folder: Path | None) -> None:
    """Write a consistent copy of the store (checkpointed, under the shop's lock) with its SHA-256
    in FILE.sha256 beside it, readable by you only. restock run also keeps daily copies
    (shop.toml [backups] keep_daily).

    \b
    Example:
      restock backup --shop demo-shop --to /mnt/usb/restock-backups
    """
    from planner.backup import backup_store, checksum_path
    from planner.run import shop_lock

    with shop_lock(shop):
        path = backup_store(shop, folder)
    click.echo(f"Backed up {shop.store_path.name} to {path} (checksum in {checksum_path(path).name})")


@main.command("restore")
@shop_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(shop, file: Path) -> None:
    """Verify a backup against its checksum file and make it the shop's store; the current store is
    moved aside (restock.duckdb.before-restore-TIME), never deleted. A copy that does not match its
    checksum is refused (exit code 4).

    \b
    Example:
      restock restore --shop demo-shop demo-shop/backups/daily-2026-12-01.duckdb
    """
    from planner.backup import restore_store
    from planner.run import shop_lock

    with shop_lock(shop):
        aside = restore_store(shop, file)
    click.echo(f"Restored {shop.store_path.name} from {file} (checksum verified)")
    if aside is not None:
        click.echo(f"The store before is kept as {aside}")


def run() -> None:  # pragma: no cover - console entry for `python -m planner.cli`
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
