"""The report's figures: each function takes frames and RETURNS a matplotlib Figure (as prophet's
plot functions do); the caller saves or embeds it. Nothing here reads or writes files.

Labels stay in ASCII (SKU codes, campaign ids, dates): product names in Thai or Chinese are set by the
PDF layer, which shapes them with the shipped fonts.
"""

from __future__ import annotations

import matplotlib  # the object API (Figure) only: no pyplot, no global backend, no display needed
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

COLORS = {
    "history": "#4a4a4a", "forecast": "#1f6fb2", "band": "#9cc3e6", "campaign": "#f4b942",
    "with_plan": "#1f8a4c", "no_action": "#c0392b", "reorder": "#7f4fa0", "safety": "#e67e22",
    "arrival": "#1f8a4c", "bar": "#1f6fb2", "bar_neg": "#c0392b",
}
_STYLE = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "legend.fontsize": 7,
          "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False, "axes.spines.right": False,
          "svg.hashsalt": "restock", "font.family": "DejaVu Sans"}


def _figure(width: float, height: float, rows: int = 1, sharex: bool = False, height_ratios=None):
    with matplotlib.rc_context(_STYLE):
        # a fixed layout: constrained layout draws every figure twice
        fig = Figure(figsize=(width, height), dpi=100)
        fig.subplots_adjust(left=0.06, right=0.99, top=0.93 if rows == 1 else 0.95, bottom=0.1 if rows == 1 else 0.07,
                            hspace=0.22)
        axes = fig.subplots(rows, 1, sharex=sharex, gridspec_kw={"height_ratios": height_ratios} if height_ratios else None)
    return fig, np.atleast_1d(axes)


def _date_axis(ax, maxticks: int = 10) -> None:
    locator = mdates.AutoDateLocator(minticks=min(3, maxticks), maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def sku_figure(
    sku: str,
    history: pd.DataFrame,
    band: pd.DataFrame,
    campaigns: pd.DataFrame,
    projected: pd.DataFrame,
    reorder_point: float,
    safety_stock: float,
    arrivals: pd.DataFrame | None = None,
    today: pd.Timestamp | None = None,
    history_days: int = 120,
    height: float = 5.6,
) -> Figure:
    """Demand history and forecast (top) and projected stock (bottom) of one SKU.

    history   sku, date, units (and optionally censored: stockout days, drawn hollow)
    band      date, mean, low, high (the forecast and its band, e.g. 10-90 % of the sample paths)
    campaigns campaign_id, type, start, end of the SKU's campaigns (shaded on both panels)
    projected date, on_hand_no_action, on_hand_with_plan (the plan's projection)
    arrivals  date, quantity of this plan's orders at the selling location (marked)
    """
    with matplotlib.rc_context(_STYLE):
        fig, (top, bottom) = _figure(11.0, height, rows=2, sharex=True, height_ratios=[1.15, 1])
        today = pd.Timestamp(today) if today is not None else pd.Timestamp(band["date"].min()) - pd.Timedelta(days=1)
        first = today - pd.Timedelta(days=history_days)
        h = history[(history["date"] > first) & (history["date"] <= today)]
        censored = h["censored"].fillna(False).astype(bool) if "censored" in h.columns else pd.Series(False, index=h.index)
        _day_bars(top, h.loc[~censored, "date"], h.loc[~censored, "units"], color=COLORS["history"], label="sold (units/day)")
        if censored.any():
            top.bar(h.loc[censored, "date"], np.maximum(h.loc[censored, "units"], 0.0), width=0.9, color="white",
                    edgecolor=COLORS["no_action"], linewidth=0.5, label="out of stock (demand hidden)")
        top.fill_between(band["date"], band["low"], band["high"], color=COLORS["band"], alpha=0.6, linewidth=0,
                         label="forecast, 80 % band", step="mid")
        top.plot(band["date"], band["mean"], color=COLORS["forecast"], linewidth=1.2, label="forecast, mean")
        top.axvline(today, color="#888888", linewidth=0.8, linestyle=":")
        top.set_ylabel("units per day")
        top.set_title(f"{sku}: demand and forecast", loc="left")
        top.set_ylim(bottom=0, top=max(top.get_ylim()[1], 1) * 1.3)
        _campaign_spans(top, campaigns, first, band["date"].max(), label=True)
        top.legend(loc="upper left", ncols=5, frameon=False)

        bottom.plot(projected["date"], projected["on_hand_with_plan"], color=COLORS["with_plan"], linewidth=1.4,
                    label="stock with this plan", drawstyle="steps-post")
        bottom.plot(projected["date"], projected["on_hand_no_action"], color=COLORS["no_action"], linewidth=1.0,
                    linestyle="--", label="stock without ordering", drawstyle="steps-post")
        bottom.axhline(reorder_point, color=COLORS["reorder"], linewidth=0.9, label=f"reorder point {reorder_point:,.0f}")
        bottom.axhline(max(safety_stock, 0), color=COLORS["safety"], linewidth=0.9, linestyle="-.",
                       label=f"safety stock {max(safety_stock, 0):,.0f}")
        _campaign_spans(bottom, campaigns, first, band["date"].max(), label=False)
        bottom.axvline(today, color="#888888", linewidth=0.8, linestyle=":")
        bottom.set_ylabel("units on hand")
        bottom.set_title("projected stock at the selling location (expected demand)", loc="left")
        bottom.set_ylim(bottom=0, top=max(bottom.get_ylim()[1], 1) * 1.3)
        bottom.legend(loc="upper left", ncols=4, frameon=False)
        if arrivals is not None and len(arrivals):
            for row in arrivals.itertuples():
                bottom.axvline(row.date, color=COLORS["arrival"], linewidth=0.8, linestyle=":")
                bottom.annotate(f"+{row.quantity:,.0f}", (row.date, bottom.get_ylim()[1] * 0.8), xytext=(2, 0),
                                textcoords="offset points", fontsize=7, color=COLORS["arrival"])
        bottom.set_xlim(first, pd.Timestamp(band["date"].max()) + pd.Timedelta(days=1))
        _date_axis(bottom)
    return fig


def _day_bars(ax, dates: pd.Series, heights: pd.Series, **style) -> None:
    """A bar 0.9 days wide per day, as ax.bar(dates, heights, width=0.9) draws them, in one artist:
    a bar each is a patch each, and four months of daily sales are 120 patches to lay out and draw."""
    x = mdates.date2num(pd.to_datetime(dates).to_numpy())
    y = np.asarray(heights, dtype=float)
    corners = np.stack([np.stack([x - 0.45, np.zeros_like(y)], axis=1), np.stack([x - 0.45, y], axis=1),
                        np.stack([x + 0.45, y], axis=1), np.stack([x + 0.45, np.zeros_like(y)], axis=1)], axis=1)
    ax.xaxis_date()
    ax.add_collection(PolyCollection(corners, facecolors=style.pop("color"), linewidths=0, **style))
    ax.autoscale_view()


def _campaign_spans(ax, campaigns: pd.DataFrame, first, last, label: bool) -> None:
    if campaigns is None or campaigns.empty:
        return
    shown = campaigns[(campaigns["end"] >= first) & (campaigns["start"] <= pd.Timestamp(last) + pd.Timedelta(days=1))]
    shown = shown.drop_duplicates("campaign_id").sort_values("start")
    top = ax.get_ylim()[1]
    rows_end: list[pd.Timestamp] = []  # per label row, where its last label ends
    left, right = (pd.Timestamp(d) for d in mdates.num2date(ax.get_xlim()))
    left, right = left.tz_localize(None), right.tz_localize(None)
    # a 6-point character is about 0.05 inch; the axes are about 9.5 inches wide
    day_per_char = (right - left) / pd.Timedelta(days=1) * 0.05 / 9.5
    for k, row in enumerate(shown.itertuples()):
        start = pd.Timestamp(row.start).normalize() - pd.Timedelta(hours=12)
        end = max(pd.Timestamp(row.end).normalize() + pd.Timedelta(hours=12), start + pd.Timedelta(days=1))
        ax.axvspan(start, end, color=COLORS["campaign"], alpha=0.25 if row.type == "ad" else 0.45, linewidth=0,
                   label="campaign (ads lighter)" if label and k == 0 else None)
        if label and row.type != "ad":
            _campaign_label(ax, str(row.campaign_id), start, end, top, rows_end, day_per_char, right)


def _campaign_label(ax, text: str, start, end, top: float, rows_end: list, day_per_char: float, right) -> None:
    """A campaign's name in the first of four rows where it overlaps no other label; right-aligned to
    the campaign's end when it would run past the axis; none when every row is taken there (the
    campaign stays shaded)."""
    width = pd.Timedelta(days=(len(text) + 1) * day_per_char)
    anchor_right = start + width > right
    span = (end - width, end) if anchor_right else (start, start + width)
    for level in range(4):
        if level == len(rows_end) or rows_end[level] < span[0]:
            rows_end[level:level + 1] = [span[1]]
            ax.text(end if anchor_right else start, top * (0.86 - 0.08 * level), f" {text} " if not anchor_right else f"{text} ",
                    fontsize=6, va="top", ha="right" if anchor_right else "left", color="#7a5a00", clip_on=True)
            return


def scenario_figure(table: pd.DataFrame, currency: str = "") -> Figure:
    """Purchase value and expected lost margin per scenario, differences to the shop's plan as it is."""
    with matplotlib.rc_context(_STYLE):
        fig, axes = _figure(11.0, 2.6, rows=1)
        fig.subplots_adjust(left=0.2, top=0.86)
        ax = axes[0]
        names = list(table["scenario"])
        y = np.arange(len(names))
        for offset, (column, label, color) in enumerate((
                ("purchase_value_vs_baseline", f"purchase value {currency}".strip(), COLORS["bar"]),
                ("lost_margin_vs_baseline", f"expected lost margin {currency}".strip(), COLORS["bar_neg"]))):
            ax.barh(y + (offset - 0.5) * 0.38, table[column], height=0.36, color=color, label=f"{label}, change")
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_title("difference to the plan as it is", loc="left")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False)
    return fig


def segment_label(segment: str, value) -> str:
    """'all SKUs', 'class A', 'campaign days', 'pattern lumpy'."""
    if segment == "all":
        return "all SKUs"
    if segment == "campaign days":
        return "campaign days"
    return f"{'class' if segment == 'abc' else segment} {value}"


def accuracy_figure(metrics: pd.DataFrame) -> Figure:
    """WAPE per model and segment from the last backtest (lower is better)."""
    with matplotlib.rc_context(_STYLE):
        fig, axes = _figure(11.0, 2.8, rows=1)
        ax = axes[0]
        frame = metrics.assign(label=[segment_label(s, v) for s, v in zip(metrics["segment"], metrics["value"])])
        pivot = frame.pivot_table(index="label", columns="model", values="wape", sort=False)
        n = max(len(pivot.columns), 1)
        x = np.arange(len(pivot.index))
        for k, model in enumerate(pivot.columns):
            ax.bar(x + (k - (n - 1) / 2) * 0.8 / n, pivot[model] * 100, width=0.8 / n, label=str(model))
        ax.set_xticks(x, list(pivot.index), rotation=0)
        ax.set_ylabel("WAPE %")
        ax.set_title("forecast error by segment (weighted absolute % error; lower is better)", loc="left")
        ax.legend(loc="upper left", ncols=min(n, 6), frameon=False)
    return fig


def _trend_limits(values: pd.Series) -> tuple[float, float]:
    """A y range at least 10 % of the values' size wide (1 unit around 0): without it matplotlib
    stretches a change of 1e-7 over the whole axis, and a flat line reads as a cliff.

    >>> [round(v, 3) for v in _trend_limits(pd.Series([50.0, 50.0000001]))]
    [47.5, 52.5]
    >>> _trend_limits(pd.Series([10.0, 30.0]))
    (9.0, 31.0)
    """
    finite = values[np.isfinite(values)]
    if finite.empty:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    half = 0.05 * max(abs(low), abs(high)) or 0.5
    if high - low < 2 * half:
        middle = (low + high) / 2
        return middle - half, middle + half
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def trend_figure(trend: pd.DataFrame) -> Figure:
    """Small multiples of the health figures over past runs (columns: date, then one per figure)."""
    columns = [c for c in trend.columns if c != "date"]
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11.0, 1.45), dpi=100)
        fig.subplots_adjust(left=0.04, right=0.99, top=0.8, bottom=0.2, wspace=0.3)
        axes = np.atleast_1d(fig.subplots(1, max(len(columns), 1)))
        dates = pd.to_datetime(trend["date"])
        for ax, column in zip(axes, columns):
            values = pd.to_numeric(trend[column], errors="coerce")
            ax.plot(dates, values, marker="o", markersize=3, color=COLORS["forecast"], linewidth=1)
            ax.set_title(column, loc="left", fontsize=8)
            ax.ticklabel_format(axis="y", useOffset=False, style="plain")
            ax.set_ylim(*_trend_limits(values))
            if dates.max() - dates.min() < pd.Timedelta(days=3):
                # runs of a day or two: a 5-day axis (the date locator needs 3 whole days for its 3 ticks)
                ax.set_xlim(dates.min() - pd.Timedelta(days=2), dates.max() + pd.Timedelta(days=2))
            _date_axis(ax, maxticks=4)
    return fig
