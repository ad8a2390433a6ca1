"""One small forecaster interface and a registry of the model families.

A forecaster is fitted on the long history of *many* SKUs at once (the statsforecast contract) and
returns, for a horizon starting the day after the last history date:

* ``sample_paths`` -- joint draws of daily demand per SKU (n_sku x n_paths x horizon), so the planner
  can read the distribution of demand summed over any lead-time window, campaigns included;
* ``predict`` -- the long forecast frame (sku, date, mean, p50 ... p99), by default read off the paths.

A model that can replay campaign changes without refitting also satisfies ``WhatIfForecaster``.

``__init__`` only stores parameters; fitted state ends in ``_``. Heavy back ends import lazily.
"""

from __future__ import annotations

import functools
import inspect
from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

from forecast.contract import QUANTILES, checked_horizon, checked_inputs, quantile_column


@dataclass(frozen=True)
class SamplePaths:
    """Simulated future daily demand: ``values[i, k, t]`` = units of ``skus[i]`` on path k, day t."""

    skus: np.ndarray
    start: pd.Timestamp
    values: np.ndarray  # float32, shape (n_sku, n_paths, horizon), >= 0

    @property
    def horizon(self) -> int:
        return self.values.shape[2]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.horizon, freq="D")

    def window_totals(self, first_day: np.ndarray | int, days: np.ndarray | int) -> np.ndarray:
        """Demand summed over days [first_day, first_day + days) per SKU and path -> (n_sku, n_paths).

        ``first_day`` and ``days`` may differ per SKU (arrays of length n_sku); windows running past
        the horizon are cut at the horizon.
        """
        n_sku, _, horizon = self.values.shape
        first = np.broadcast_to(np.asarray(first_day, dtype=int), (n_sku,)).clip(0, horizon)
        last = (first + np.broadcast_to(np.asarray(days, dtype=int), (n_sku,))).clip(0, horizon)
        cumulative = np.concatenate(
            [np.zeros(self.values.shape[:2] + (1,), dtype=np.float64), np.cumsum(self.values, axis=2, dtype=np.float64)],
            axis=2,
        )
        rows = np.arange(n_sku)
        return cumulative[rows, :, last] - cumulative[rows, :, first]

    @property
    def n_paths(self) -> int:
        return self.values.shape[1]

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The paths of the SKUs at positions ``rows`` -> (len(rows), n_paths, horizon)."""
        return self.values[np.asarray(rows, dtype=int)]

    def with_rows(self, rows: np.ndarray, values: np.ndarray) -> SamplePaths:
        """A copy with the paths of the SKUs at ``rows`` replaced by ``values``."""
        replaced = self.values.copy()
        replaced[np.asarray(rows, dtype=int)] = values
        return SamplePaths(skus=self.skus, start=self.start, values=replaced)

    def transformed(self, change) -> SamplePaths:
        """Paths changed by ``change(0, n_sku, values)`` (a new array), as ChunkedPaths.transformed."""
        return SamplePaths(skus=self.skus, start=self.start, values=change(0, len(self.skus), self.values))

    def to_frame(self, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
        """Long forecast frame: sku, date, mean, p50 ... (quantiles of each day's demand)."""
        mean, qs = summarize_paths(self.values, quantiles)
        return forecast_frame(self.skus, self.dates, mean, qs, quantiles)


def summarize_paths(values: np.ndarray, quantiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean (n_sku, horizon) and quantiles (n_q, n_sku, horizon) of each SKU and day over the paths."""
    return values.mean(axis=1), np.quantile(values, quantiles, axis=1)


def forecast_frame(skus: np.ndarray, dates: pd.DatetimeIndex, mean: np.ndarray, qs: np.ndarray,
                   quantiles: tuple[float, ...]) -> pd.DataFrame:
    """The long forecast frame (sku, date, mean, p50 ...) from per-SKU-day mean and quantile matrices."""
    n_sku, horizon = mean.shape
    frame = pd.DataFrame({
        "sku": np.repeat(skus, horizon),
        "date": np.tile(dates.values, n_sku),
        "mean": mean.reshape(-1).astype(float),
    })
    for q, values in zip(quantiles, qs):
        frame[quantile_column(q)] = values.reshape(-1).astype(float)
    return frame


#: bytes of drawn chunks a ChunkedPaths keeps for the next reader (10,000 SKUs x 200 paths x 91 days
#: take 0.73 GB: a shop that size draws once; beyond it, chunks are drawn again when read again)
KEEP_BYTES = 1 << 30


class ChunkedPaths:
    """Sample paths (the SamplePaths interface) drawn a chunk of SKUs at a time, when read.

    ``draw(c)`` returns chunk c's paths (SKUs ``c * chunk_skus`` onwards) and optionally their mean and
    quantiles at QUANTILES; it must give the same draws every time (each chunk has its own seed), so a
    chunk dropped to bound memory is drawn again identically. Drawn chunks are kept up to
    ``keep_bytes``, and always the last two (so a reader going through the SKUs in order draws each
    chunk once). ``values`` draws and holds every chunk: for small shops and tests only.
    """

    def __init__(self, skus: np.ndarray, start: pd.Timestamp, n_paths: int, horizon: int, chunk_skus: int,
                 draw, keep_bytes: int = KEEP_BYTES, replaced: dict | None = None):
        self.skus, self.start, self.chunk_skus = skus, pd.Timestamp(start), max(int(chunk_skus), 1)
        self._n_paths, self._horizon = int(n_paths), int(horizon)
        self._draw, self.keep_bytes = draw, keep_bytes
        self._replaced = dict(replaced or {})  # row -> (n_paths, horizon) paths of another model
        self._kept: dict[int, tuple] = {}
        self._kept_bytes = 0
        self._recent: OrderedDict[int, tuple] = OrderedDict()
        self.draws = 0  # chunks drawn so far (a test and the bench read it)

    n_chunks = property(lambda self: -(-len(self.skus) // self.chunk_skus))
    n_paths = property(lambda self: self._n_paths)
    horizon = property(lambda self: self._horizon)
    dates = SamplePaths.dates

    def chunk(self, c: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Chunk c: paths (n, n_paths, horizon), mean and quantiles at QUANTILES (None if not drawn with them)."""
        if c in self._kept:
            return self._kept[c]
        if c in self._recent:
            self._recent.move_to_end(c)
            return self._recent[c]
        drawn = self._draw(c)
        self.draws += 1
        values, mean, qs = drawn if isinstance(drawn, tuple) else (drawn, None, None)
        lo = c * self.chunk_skus
        mine = [row for row in self._replaced if lo <= row < lo + len(values)]
        if mine:
            local = np.array(mine) - lo
            values[local] = np.stack([self._replaced[row] for row in mine])
            if mean is not None:
                mean[local], qs[:, local] = summarize_paths(values[local], QUANTILES)
        part = (values, mean, qs)
        if self._kept_bytes + values.nbytes <= self.keep_bytes:
            self._kept[c] = part
            self._kept_bytes += values.nbytes
        else:
            self._recent[c] = part
            while len(self._recent) > 2:
                self._recent.popitem(last=False)
        return part

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The paths of the SKUs at positions ``rows`` (a new array: the caller may change it)."""
        rows = np.asarray(rows, dtype=int)
        out = np.empty((len(rows), self.n_paths, self.horizon), dtype=np.float32)
        order = np.argsort(rows, kind="stable")
        chunk_of = rows[order] // self.chunk_skus
        for c in np.unique(chunk_of):
            at = order[chunk_of == c]
            values = self.chunk(int(c))[0]
            if np.array_equal(at, np.arange(at[0], at[0] + len(at))):  # the usual case: one copy, no gather
                np.take(values, rows[at] - c * self.chunk_skus, axis=0, out=out[at[0]:at[0] + len(at)])
            else:
                out[at] = values[rows[at] - c * self.chunk_skus]
        return out

    @property
    def values(self) -> np.ndarray:
        return self.rows(np.arange(len(self.skus)))

    def with_rows(self, rows: np.ndarray, values: np.ndarray) -> ChunkedPaths:
        replaced = {**self._replaced, **{int(r): np.asarray(v, dtype=np.float32) for r, v in zip(rows, values)}}
        return ChunkedPaths(self.skus, self.start, self.n_paths, self.horizon, self.chunk_skus, self._draw,
                            self.keep_bytes, replaced)

    def transformed(self, change) -> ChunkedPaths:
        """Paths whose chunk is ``change(lo, hi, paths of SKUs lo .. hi - 1)`` (a new array; a scenario's
        redrawn campaign days or demand shock), applied when the chunk is read."""
        def draw(c: int) -> np.ndarray:
            values = self.chunk(c)[0]
            lo = c * self.chunk_skus
            return change(lo, lo + len(values), values)

        return ChunkedPaths(self.skus, self.start, self.n_paths, self.horizon, self.chunk_skus, draw, self.keep_bytes)

    def to_frame(self, quantiles: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
        """The long forecast frame, a chunk at a time (the chunk's own mean and quantiles when it was
        drawn with them at these quantiles: the same figures, without sorting the paths)."""
        means, qs = [], []
        for c in range(self.n_chunks):
            values, mean, q = self.chunk(c)
            if mean is None or tuple(quantiles) != tuple(QUANTILES):
                mean, q = summarize_paths(values, quantiles)
            means.append(mean)
            qs.append(q)
        if not means:
            return SamplePaths(self.skus, self.start, np.zeros((0, self.n_paths, self.horizon), np.float32)).to_frame(quantiles)
        return forecast_frame(self.skus, self.dates, np.concatenate(means), np.concatenate(qs, axis=1), quantiles)


def _checked_fit(fit):
    """``fit`` behind the contract's checks: every model gets checked, normalised frames
    (forecast.contract.checked_inputs). ``events`` reach only a fit that takes them."""
    takes_events = "events" in inspect.signature(fit).parameters

    @functools.wraps(fit)
    def checked(self, history, campaigns=None, products=None, events=None, **kwargs):
        history, campaigns, products, events = checked_inputs(history, campaigns, products, events)
        if takes_events:
            kwargs["events"] = events
        return fit(self, history, campaigns, products, **kwargs)

    return checked


def _checked_days(method):
    """A forecast method (``horizon`` first) that refuses a horizon that is not a whole number >= 1."""
    @functools.wraps(method)
    def checked(self, horizon, *args, **kwargs):
        return method(self, checked_horizon(horizon), *args, **kwargs)

    return checked


class Forecaster:
    """Base class of every model. Subclasses set ``name`` and implement ``fit`` and ``sample_paths``.

    Every subclass's ``fit`` and forecast methods are wrapped, when the class is defined, in the
    contract's checks (``_checked_fit``, ``_checked_days``): a model cannot forget them.
    """

    name: ClassVar[str] = "base"
    #: the methods whose first argument is the horizon in days
    _HORIZON_METHODS: ClassVar[tuple[str, ...]] = ("sample_paths", "chunked_paths", "predict", "components")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "fit" in cls.__dict__:
            cls.fit = _checked_fit(cls.__dict__["fit"])
        for name in cls._HORIZON_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, _checked_days(cls.__dict__[name]))
    #: True when ``predict`` computes the distribution's quantiles exactly instead of reading them off
    #: sample paths (then it does not depend on ``n_paths`` or ``seed``)
    exact_quantiles: ClassVar[bool] = False

    #: True for a model that pools every SKU, so it is fitted on all of them even when the backtest
    #: chose it for a few (planner.pipeline.apply_model_choice)
    fits_all_skus: ClassVar[bool] = False

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this model cannot run here (an optional library is missing), as a sentence; None if it can."""
        return None

    def fit(
        self,
        history: pd.DataFrame,
        campaigns: pd.DataFrame | None = None,
        products: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
    ) -> Self:
        """Learn from ``history`` (see forecast.contract). ``campaigns`` is the whole calendar, past and
        planned: past rows are evidence, rows after the history are used when predicting. ``events``
        (past and coming) reach a model whose ``fit`` takes them; the others ignore them."""
        raise NotImplementedError

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        raise NotImplementedError

    def chunked_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths | ChunkedPaths:
        """The paths of ``sample_paths`` for readers that go a chunk of SKUs at a time (rows, to_frame).
        A model that draws SKUs in chunks returns a ChunkedPaths that draws them when read, so all
        SKUs' paths are never in memory at once; by default, ``sample_paths``."""
        return self.sample_paths(horizon, n_paths=n_paths, seed=seed)

    def predict(
        self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200, seed: int = 0
    ) -> pd.DataFrame:
        """Long forecast frame for the ``horizon`` days after the history, with a ``model`` column."""
        frame = self.sample_paths(horizon, n_paths=n_paths, seed=seed).to_frame(quantiles)
        frame.insert(2, "model", self.name)
        return frame

    def get_params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


@runtime_checkable
class WhatIfForecaster(Protocol):
    """A fitted model that replays campaign changes without refitting: the scenarios' what-if hooks.

    A what-if scenario (planner.scenarios) redraws the paths of the model fitted for the plan, with the
    same seed, through two keyword arguments:

    * ``uplift_scale``: campaign id (or campaign type) -> factor on that campaign's extra units (3: it
      sells three times the extra units expected; 0: it is cancelled);
    * ``campaigns``: a calendar replacing the one given to ``fit`` (campaigns added, moved or cancelled).

    ``chunked_paths`` draws the changed paths; ``components`` gives the mean with and without the change,
    which tells the scenario the SKU-days the change touches (the base draws stay everywhere else).

    A model declares the hooks by having ``components`` with this signature: ``isinstance(model,
    WhatIfForecaster)`` checks that the methods are there (a runtime protocol checks names, not
    signatures); tests/test_what_if.py holds every registered model that passes to the signatures.
    """

    def components(self, horizon: int, uplift_scale: dict[str, float] | None = None,
                   campaigns: pd.DataFrame | None = None) -> pd.DataFrame:
        """The mean forecast per SKU and day (column ``mean``) and its parts, under the hooks."""
        ...

    def chunked_paths(self, horizon: int, n_paths: int = 200, seed: int = 0,
                      uplift_scale: dict[str, float] | None = None,
                      campaigns: pd.DataFrame | None = None) -> SamplePaths | ChunkedPaths:
        """Sample paths under the hooks: the same draws as without them wherever nothing changed."""
        ...


MODELS: dict[str, type[Forecaster]] = {}


def register(cls: type[Forecaster]) -> type[Forecaster]:
    """Class decorator: make a model available by its ``name``."""
    if cls.name in MODELS and MODELS[cls.name] is not cls:
        raise ValueError(f"model name {cls.name!r} registered twice")
    MODELS[cls.name] = cls
    return cls
