"""How the report writes a number, once for every page: money with 2 decimals (as orders.csv holds it),
units as whole numbers, dates as YYYY-MM-DD, plan.csv figures as that file holds them, shares in %, and
differences with their sign."""

from __future__ import annotations

import numpy as np
import pandas as pd


def money(value: float) -> str:
    """Money as the orders CSV holds it, to the cent: 26,821.92."""
    return f"{value:,.2f}"


def units(value: float) -> str:
    return f"{value:,.0f}"


def day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def day_span(values: pd.Series) -> str:
    """The first and last day of ``values``, one day when they agree.

    >>> day_span(pd.Series(pd.to_datetime(["2026-12-20", "2026-12-02"])))
    '2026-12-02 to 12-20'
    >>> day_span(pd.Series(pd.to_datetime(["2026-12-31", "2027-01-02", "2026-12-31"])))
    '2026-12-31 to 2027-01-02'
    """
    first, last = pd.Timestamp(values.min()), pd.Timestamp(values.max())
    if pd.isna(first) or first == last:
        return day(first)
    return f"{day(first)} to {last:%m-%d}" if first.year == last.year else f"{day(first)} to {day(last)}"


def plan_number(value: float) -> str:
    """A plan.csv figure as that file holds it (pipeline.write_frame rounds floats to 4 decimals and
    writes whole numbers without a decimal point)."""
    if value is None or pd.isna(value):
        return ""
    text = repr(round(float(value), 4))
    return text.removesuffix(".0")


def pct(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value * 100:.{digits}f} %"


def signed(value: float, fmt) -> str:
    """'+1,234.00' / '-5' / '±0' (also when the change rounds to zero at the shown precision)."""
    if value is None or pd.isna(value):
        return "±0"
    text = fmt(abs(value))
    if not any(c in "123456789" for c in text):
        return "±0"
    return ("+" if value > 0 else "-") + text


__all__ = ["day", "day_span", "money", "pct", "plan_number", "signed", "units"]
