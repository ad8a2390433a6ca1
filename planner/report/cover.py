"""The cover: the headline (purchase value, SKUs and campaigns at risk, cash tied in overstock), what to
act on first, the purchase value per supplier, and the shop's health with its trend over past runs."""

from __future__ import annotations

import pandas as pd

from planner.plan import Plan
from planner.report import figures
from planner.report.formats import money, pct, units
from planner.report.layout import INK, MUTED, WARN, Document
from planner.report.measures import HEALTH_KEYS, ReportContext

TILE_GAP = 4  # mm between the cover's four tiles


def cover_page(pdf: Document, r: ReportContext, scenarios: bool, accuracy: bool) -> None:
    """The cover page; ``scenarios`` and ``accuracy``: the contents line names those pages."""
    pdf.add_page()
    pdf.heading(f"Restock plan · {r.shop_name}", size=20, space=1)
    forecast = r.forecast_result.forecast
    model_name = str(forecast["model"].iloc[0]) if len(forecast) else r.model
    horizon_end = r.today + pd.Timedelta(days=r.settings.horizon_days)
    pdf.text_line(f"Planning day {r.today:%A %d %B %Y}  ·  horizon {r.settings.horizon_days} days, to {horizon_end:%Y-%m-%d}  ·  "
                  f"forecast model: {model_name}  ·  amounts in {r.currency}", size=9, color=MUTED)
    pdf.ln(3)
    _input_warnings(pdf, r)
    _headline_tiles(pdf, r)
    _act_first(pdf, r)
    _supplier_totals(pdf, r)
    _health_tiles(pdf, r)
    _health_trend(pdf, r)
    if pdf.will_page_break(6):  # a full cover: no page of its own for the table of contents
        return
    pdf.text_line("Contents: restock orders per supplier · transfers to FBT · risks · the SKUs that need a decision"
                  + (" · scenarios" if scenarios else "")
                  + (" · forecast accuracy" if accuracy else ""), size=8, color=MUTED)


#: input warnings the cover shows in full; the rest are counted (the run's manifest.json lists them all)
MAX_COVER_WARNINGS = 3


def _input_warnings(pdf: Document, r: ReportContext) -> None:
    """The inputs' warnings first: a plan made on a stale snapshot or an overdue PO is read with them."""
    if not r.warnings:
        return
    for warning in r.warnings[:MAX_COVER_WARNINGS]:
        pdf.text_line(f"Check the inputs: {warning}", size=8.5, color=WARN)
    if len(r.warnings) > MAX_COVER_WARNINGS:
        pdf.text_line(f"... and {len(r.warnings) - MAX_COVER_WARNINGS} more warnings (the run's manifest.json lists them)",
                      size=8.5, color=WARN)
    pdf.ln(2)


def _tile_width(pdf: Document) -> float:
    return (pdf.epw - 3 * TILE_GAP) / 4


def _order_totals(plan: Plan) -> tuple[float, int]:
    """The plan's purchase value and units."""
    orders = plan.orders
    return (round(float(orders["value"].sum()), 2) if len(orders) else 0.0,
            int(orders["quantity"].sum()) if len(orders) else 0)


def _headline_tiles(pdf: Document, r: ReportContext) -> None:
    plan, settings, stockouts = r.plan, r.settings, r.stockouts
    total_value, total_units = _order_totals(plan)
    y, w, gap = pdf.get_y(), _tile_width(pdf), TILE_GAP
    pdf.tile(pdf.l_margin, y, w, 27, "Purchase value", money(total_value),
             f"{len(plan.orders)} order lines, {units(total_units)} units, {len(r.orders_by_supplier)} suppliers")
    pdf.tile(pdf.l_margin + (w + gap), y, w, 27, "SKUs at risk", f"{stockouts['sku'].nunique()}",
             "run out before an order placed today can arrive", color=WARN if len(stockouts) else INK)
    pdf.tile(pdf.l_margin + 2 * (w + gap), y, w, 27, "Campaigns at risk", f"{len(r.campaigns_at_risk)}",
             "not covered in time, or an ad running into a stockout", color=WARN if r.campaigns_at_risk else INK)
    pdf.tile(pdf.l_margin + 3 * (w + gap), y, w, 27, "Cash tied in overstock", money(float(r.overstock.sum())),
             f"stock beyond {settings.overstock_days:.0f} days of forecast demand, at unit cost")
    pdf.set_y(y + 31)


def _act_first(pdf: Document, r: ReportContext) -> None:
    actions = first_actions(r.plan, r.names)
    if actions:
        pdf.ensure_space(12 + 8 * len(actions))
        pdf.heading("Act first", size=11, space=1)
        for text in actions:
            pdf.text_line(f"•  {text}", size=8.5)
        pdf.ln(2)


def first_actions(plan: Plan, names: pd.Series, limit: int = 5) -> list[str]:
    """The most urgent alerts in a sentence each: earliest stockouts before an arrival, then the
    campaigns not covered, by date."""
    alerts = plan.alerts
    urgent = alerts[alerts["kind"].isin(["stockout_before_arrival", "campaign_not_covered"])].copy()
    urgent["rank"] = urgent["kind"].map({"stockout_before_arrival": 0, "campaign_not_covered": 1})
    urgent = urgent.sort_values(["date", "rank", "sku"]).head(limit)
    return [f"{r.sku} {names.get(str(r.sku), '')}: {r.message}" for r in urgent.itertuples()]


def _supplier_totals(pdf: Document, r: ReportContext) -> None:
    total_value, total_units = _order_totals(r.plan)
    pdf.heading("Purchase value per supplier", size=11, space=1)
    if len(r.plan.orders):
        pdf.text_line("What happens if you don't: the margin each supplier's lines save is what the shop is expected "
                      "to lose, in sales it cannot serve, over their lead time and review period without them.",
                      size=8, color=MUTED)
    # a supplier's lines may be due, and arrive, on different days: the span, not the first of them
    rows = [[*o.summary_cells(), money(o.lines["lost_margin_avoided"].sum())] for o in r.orders_by_supplier]
    rows.append(["Total", str(len(r.plan.orders)), units(total_units), money(total_value), "", "",
                 money(r.plan.orders["lost_margin_avoided"].sum()) if len(r.plan.orders) else ""])
    pdf.table_of(["Supplier", "Order lines", "Units", f"Value ({r.currency})", "Order by", "Expected arrival",
                  f"Margin saved ({r.currency})"], rows,
                 [50, 18, 16, 28, 36, 36, 32], ["LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT", "RIGHT"], size=8.5,
                 bold_last=True)


def _health_tiles(pdf: Document, r: ReportContext) -> None:
    health, trends = r.health, r.trends
    pdf.heading("Shop health", size=11, space=1)
    previous = trends.iloc[-1] if len(trends) else None

    def trend_note(key: str, fmt) -> str:
        if previous is None or previous.get(key) is None or pd.isna(previous.get(key)):
            return "no earlier run to compare with"
        return f"last run ({previous['date']:%Y-%m-%d}): {fmt(previous[key])}"

    y, w, gap = pdf.get_y(), _tile_width(pdf), TILE_GAP
    turnover = health["inventory_turnover"]
    cover = health["days_of_cover"]
    pdf.tile(pdf.l_margin, y, w, 30, "Inventory turnover (per year)", "n/a" if turnover is None else f"{turnover:.1f}x",
             f"cost of goods sold, last 365 days / stock owned ({money(health['stock_value'])})\n"
             + trend_note("inventory_turnover", lambda v: f"{v:.1f}x"))
    pdf.tile(pdf.l_margin + (w + gap), y, w, 30, "Days of cover", "n/a" if cover is None else f"{cover:.0f} days",
             "stock owned / forecast cost of goods sold per day\n" + trend_note("days_of_cover", lambda v: f"{v:.0f} days"))
    pdf.tile(pdf.l_margin + 2 * (w + gap), y, w, 30, f"Slow-moving (no sale in {r.settings.no_sale_days} days)",
             f"{pct(health['slow_moving_sku_share'])} of SKUs",
             f"{health['slow_moving_skus']} of {health['stocked_skus']} SKUs in stock; {pct(health['slow_moving_value_share'])} of "
             f"stock value ({money(health['slow_moving_value'])})\n" + trend_note("slow_moving_sku_share", pct))
    wape = health["forecast_wape"]
    pdf.tile(pdf.l_margin + 3 * (w + gap), y, w, 30, "Forecast accuracy (last backtest)",
             "n/a" if wape is None else f"{pct(wape)} error",
             ("run `restock backtest` to measure it" if wape is None else _error_meaning(health) + "\n"
              + trend_note("forecast_wape", pct)))
    pdf.set_y(y + 34)


def _error_meaning(health: dict) -> str:
    """The forecast error in a buyer's words: what it is on a typical day of a top seller."""
    if health.get("forecast_day_error") is None:
        return f"weighted absolute % error of the {health['forecast_model']} model, all SKUs"
    return (f"a typical day of a {health['forecast_day_scope']}: off by {health['forecast_day_error']:.1f} units of "
            f"{health['forecast_day_units']:.1f} sold; orders are sized on whole lead times' errors")


def _health_trend(pdf: Document, r: ReportContext) -> None:
    """The health figures of the past runs and this one, when there are past runs."""
    if not len(r.trends):
        return
    shown = trend_table(r.trends, r.health, _order_totals(r.plan)[0], pd.Timestamp.now(tz="UTC").tz_localize(None))
    labels = {"inventory_turnover": "turnover (x/year)", "days_of_cover": "days of cover",
              "slow_moving_sku_share": "slow-moving SKUs %", "slow_moving_value_share": "slow-moving value %",
              "forecast_wape": "forecast error %", "purchase_value": f"purchase value {r.currency}"}
    if len(shown.columns) > 1:
        pdf.ensure_space(pdf.epw * 1.45 / 11.0 + 8)
        pdf.text_line("Shop health over the past runs (the last point is this run):", size=8, color=MUTED)
        pdf.figure(figures.trend_figure(shown.rename(columns=labels)))


def trend_table(trends: pd.DataFrame, health: dict, purchase_value: float, started: pd.Timestamp) -> pd.DataFrame:
    """The past runs' health figures and this run's, shares in %. Past runs stand at their start time
    (UTC), so this one stands at ``started``, never before the last of them: at its planning day, the
    run of an older snapshot was plotted as the leftmost point."""
    now = pd.DataFrame([{"date": max(pd.Timestamp(started), pd.to_datetime(trends["date"]).max()),
                         **{k: health.get(k) for k in HEALTH_KEYS}, "purchase_value": purchase_value}])
    shown = pd.concat([trends, now], ignore_index=True).dropna(axis=1, how="all")
    for share in ("slow_moving_sku_share", "slow_moving_value_share", "forecast_wape"):
        if share in shown.columns:
            shown[share] = pd.to_numeric(shown[share]) * 100
    return shown


__all__ = ["cover_page", "first_actions", "trend_table"]
