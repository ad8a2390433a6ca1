"""Stock under lost sales: what is not served from stock is lost, not owed.

    x_t = max(x_{t-1} + r_t - d_t, 0)        (end-of-day stock; receipts r_t arrive before the day's demand)
    lost_t = d_t - min(x_{t-1} + r_t, d_t)

(Silver, Pyke & Thomas 2017, Section 7.1 on the lost-sales case.) The plan's projection, the scenarios'
evaluation of a plan over its sample paths and the replay of history all move stock this way.
"""

from __future__ import annotations

import numpy as np


def lost_sales_stock(start: np.ndarray, receipts: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """End-of-day stock per row and day (n, days) from stock ``start`` (n,), ``receipts`` and ``demand``
    (n, days).

    >>> lost_sales_stock(np.array([5.0]), np.array([[0.0, 4.0, 0.0]]), np.array([[3.0, 8.0, 1.0]])).tolist()
    [[2.0, 0.0, 0.0]]
    """
    stock = np.empty_like(demand, dtype=float)
    level = np.maximum(np.asarray(start, dtype=float), 0.0)
    for day in range(demand.shape[1]):
        serve_day(level, receipts[:, day], demand[:, day])
        stock[:, day] = level
    return stock


def serve_day(level: np.ndarray, receipts: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One day under lost sales, in place: ``level`` += receipts, then serve ``demand`` from it.
    Returns (sold, lost)."""
    level += receipts
    sold = np.minimum(level, demand)
    level -= sold
    return sold, demand - sold
