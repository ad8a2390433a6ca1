"""The learner's model class: LightGBM fitted on every SKU's rows at once, paths drawn as the engine's.

See the package docstring for the model; features.py builds the rows.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from forecast.contract import QUANTILES
from forecast.models.base import KEEP_BYTES, ChunkedPaths, Forecaster, SamplePaths, forecast_frame, register
from forecast.models.baselines import wide_history
from forecast.models.campaign.matrices import category_codes
from forecast.models.campaign.sampling import PreparedDraws, dispersion, draw_chunk, ordered_summary, shuffled
from forecast.models.learner.features import Matrices, training_grid

INSTALL_HINT = "pip install 'restock[learner]'"
#: the largest multiple of a SKU's scale (its last 91 days' mean) a day's mean may reach
MAX_RATIO = 100.0


class ModelUnavailable(RuntimeError):
    """A registered model whose optional library is not installed; the message says how to get it."""


def missing_library() -> str | None:
    """Why the learner cannot run here (a sentence), or None when LightGBM is installed.

    Looked up, not imported: checking a model's name should not load LightGBM's native library and
    OpenMP runtime (0.9 s) into a plan that does not use it."""
    from importlib.util import find_spec

    return None if find_spec("lightgbm") is not None else _MISSING


_MISSING = (f"the 'learner' model needs LightGBM, which is not installed: {INSTALL_HINT}, "
            f"or use another model (the default engine is 'campaign')")


@register
class GlobalLearner(Forecaster):
    """One gradient-boosted model over every SKU (see the package docstring).

    Parameters
    ----------
    market, mega_sales : the holiday calendar (as the engine's).
    max_ahead : days ahead the training rows reach (a longer forecast reads its last days' rows as
        ``max_ahead`` days ahead would be, beyond it the trees see no new split).
    holdout_days : the newest days, held out of the training rows: the boosting stops where their error
        stops falling, and the sample paths' dispersion is measured on them.
    origin_step, n_origins : training origins, ``origin_step`` days apart, the newest first.
    max_rows : training rows drawn at most (at random, seeded): bounds time and memory at any size.
    learning_rate, num_leaves, min_data_in_leaf, max_rounds : LightGBM's.
    chunk_skus : SKUs drawn at once (bounds memory).
    seed, n_threads : LightGBM's seed and threads (0: all cores). One by default: LightGBM's OpenMP
        threads wait by spinning, and on a busy 2-core machine two threads took 2.2x as long as one.
    """

    name = "learner"
    #: the learner pools every SKU: fitted on a subset it would learn from fewer (planner.pipeline)
    fits_all_skus = True

    def __init__(self, market: str | None = None, mega_sales: bool | tuple[str, ...] = True, max_ahead: int = 91,
                 holdout_days: int = 28, origin_step: int = 7, n_origins: int = 52, max_rows: int = 1_000_000,
                 learning_rate: float = 0.1, num_leaves: int = 31, min_data_in_leaf: int = 100,
                 max_rounds: int = 500, chunk_skus: int = 1000, seed: int = 0, n_threads: int = 1):
        self.market = market
        self.mega_sales = mega_sales
        self.max_ahead = max_ahead
        self.holdout_days = holdout_days
        self.origin_step = origin_step
        self.n_origins = n_origins
        self.max_rows = max_rows
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.max_rounds = max_rounds
        self.chunk_skus = chunk_skus
        self.seed = seed
        self.n_threads = n_threads

    @classmethod
    def unavailable(cls) -> str | None:
        return missing_library()

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, history: pd.DataFrame, campaigns: pd.DataFrame | None = None,
            products: pd.DataFrame | None = None, events: pd.DataFrame | None = None) -> Self:
        try:
            import lightgbm
        except ImportError:
            raise ModelUnavailable(_MISSING) from None

        skus, start, units = wide_history(history)
        self.skus_, self.start_ = skus, start
        dates = pd.date_range(end=start - pd.Timedelta(days=1), periods=units.shape[1], freq="D")
        self.event_types_ = tuple(sorted(set(events["type"].astype(str)))) if events is not None and len(events) else ()
        self.inputs_ = (units, dates, campaigns, category_codes(skus, products), events)
        matrices = self._matrices(self.max_ahead)
        n_history = units.shape[1]
        holdout = min(self.holdout_days, n_history // 4)
        grid = training_grid(len(skus), n_history, holdout, self.max_ahead, self.origin_step, self.n_origins,
                             min_days=min(28, n_history // 4) + 1)
        train = self._observed(matrices, *self._sampled(grid))
        params = {
            "objective": "poisson", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf, "feature_fraction": 0.8, "bagging_fraction": 0.8,
            "bagging_freq": 1, "lambda_l2": 1.0, "seed": self.seed, "deterministic": True, "verbosity": -1,
            "num_threads": self.n_threads,
        }
        features, target, offset = train
        category = [len(matrices.feature_names) - 1]
        data = lightgbm.Dataset(features, target, init_score=offset, categorical_feature=category, free_raw_data=True)
        checked = self._holdout_rows(matrices, n_history, holdout)
        if checked is not None:
            valid = lightgbm.Dataset(checked[0], checked[1], init_score=checked[2], reference=data,
                                     categorical_feature=category)
            self.booster_ = lightgbm.train(params, data, self.max_rounds, valid_sets=[valid],
                                           callbacks=[lightgbm.early_stopping(50, verbose=False)])
        else:
            self.booster_ = lightgbm.train(params, data, min(self.max_rounds, 300))
        self.rounds_ = self.booster_.best_iteration or self.booster_.current_iteration()
        self.training_rows_ = len(target)
        self.dispersion_ = self._holdout_dispersion(matrices, n_history, holdout)
        return self

    def _matrices(self, ahead_days: int) -> Matrices:
        units, dates, campaigns, category, events = self.inputs_
        return Matrices(units, self.skus_, dates, ahead_days, campaigns, events, category, self.event_types_,
                        self.market, self.mega_sales)

    def _sampled(self, grid: tuple[np.ndarray, np.ndarray, np.ndarray]):
        """At most ``max_rows`` of the grid's rows, drawn at random (seeded) without replacement."""
        n = len(grid[0])
        if n <= self.max_rows:
            return grid
        keep = np.sort(np.random.default_rng(self.seed).choice(n, self.max_rows, replace=False))
        return tuple(part[keep] for part in grid)

    @staticmethod
    def _observed(matrices: Matrices, sku: np.ndarray, origin: np.ndarray, ahead: np.ndarray):
        """(features, target, offset) of the rows whose target day was observed (not censored)."""
        target = matrices.units[sku, origin + ahead]
        seen = ~np.isnan(target)
        rows = matrices.rows(sku[seen], origin[seen], ahead[seen])
        # a SKU not yet sold at the origin has no scale: its first sales would be thousands of times
        # the floor, leaves the trees would fit to them alone
        known = rows.seen
        return rows.features[known], target[seen][known], rows.log_scale[known]

    def _holdout_rows(self, matrices: Matrices, n_history: int, holdout: int):
        """Every SKU's ``holdout`` newest days forecast from the day before them, or None without them."""
        if holdout < 1:
            return None
        origin = n_history - 1 - holdout
        sku = np.repeat(np.arange(len(self.skus_)), holdout)
        ahead = np.tile(np.arange(1, holdout + 1), len(self.skus_))
        return self._observed(matrices, sku, np.full(len(sku), origin), ahead)

    def _holdout_dispersion(self, matrices: Matrices, n_history: int, holdout: int) -> np.ndarray:
        """Negative-binomial phi per SKU from the holdout's errors (out of sample, so the paths are as
        wide as the forecast is wrong), shrunk to the shop's (campaign.sampling.dispersion); without a
        holdout, from the last weeks' in-sample errors."""
        days = max(holdout, min(28, n_history - 1))
        origin = n_history - 1 - days
        mean = self._mean(matrices, origin, days)
        actual = matrices.units[:, origin + 1:origin + 1 + days]
        return dispersion(np.nan_to_num(actual), mean, ~np.isnan(actual))

    def _mean(self, matrices: Matrices, origin: int, days: int) -> np.ndarray:
        """(n_sku, days) the mean demand forecast from column ``origin``, ``days`` days ahead."""
        n_sku = len(self.skus_)
        sku = np.repeat(np.arange(n_sku), days)
        ahead = np.tile(np.arange(1, days + 1), n_sku)
        rows = matrices.rows(sku, np.full(len(sku), origin), ahead)
        # the model learnt log(mean) - log(scale); rows beyond max_ahead read as max_ahead days ahead
        rows.features[:, 0] = np.minimum(rows.features[:, 0], self.max_ahead)
        log_ratio = self.booster_.predict(rows.features, num_iteration=self.rounds_, raw_score=True)
        # a day at most MAX_RATIO times the SKU's scale: trees extrapolate by their last leaf, and a
        # leaf fitted on a few rows must not put a year's demand on one day
        log_ratio = np.minimum(log_ratio, np.log(MAX_RATIO))
        return np.exp(log_ratio + rows.log_scale).reshape(n_sku, days).astype(np.float32)

    # ------------------------------------------------------------------------------------------ forecast
    def _prepared(self, horizon: int, seed: int) -> PreparedDraws:
        """The forecast's mean over the horizon as the engine's draws take it (no campaign draws: the
        learner's mean already holds the campaign days, their spread is the SKU's dispersion)."""
        matrices = self._matrices(horizon)
        mean = self._mean(matrices, matrices.n_history - 1, horizon)
        n_sku = len(self.skus_)
        n_chunks = max(1, -(-n_sku // self.chunk_skus))
        zeros = np.zeros((n_sku, horizon), dtype=np.float32)
        return PreparedDraws(
            dates=pd.date_range(self.start_, periods=horizon, freq="D"), baseline=mean, log_mean=zeros,
            log_sd=zeros, campaign=np.full((n_sku, horizon), -1, dtype=np.int32), scale=zeros, n_campaigns=1,
            seeds=np.random.SeedSequence(seed).spawn(n_chunks), campaign_keys=np.zeros(0, dtype=np.uint32),
        )

    def sample_paths(self, horizon: int, n_paths: int = 200, seed: int = 0) -> SamplePaths:
        """Draws of daily demand (n_sku, n_paths, horizon): negative binomial around the learner's mean,
        days independent (the engine's stratified sampler, campaign.sampling)."""
        prepared = self._prepared(horizon, seed)
        values = np.empty((len(self.skus_), n_paths, horizon), dtype=np.float32)
        for c in range(len(prepared.seeds)):
            draws = draw_chunk(prepared, c, n_paths, self.chunk_skus, self.dispersion_)
            values[draws.lo:draws.hi] = shuffled(draws)
        return SamplePaths(skus=self.skus_, start=self.start_, values=values)

    def chunked_paths(self, horizon: int, n_paths: int = 200, seed: int = 0, keep_bytes: int = KEEP_BYTES) -> ChunkedPaths:
        """The draws of ``sample_paths``, a chunk of SKUs at a time when read."""
        prepared = self._prepared(horizon, seed)

        def draw(c: int):
            draws = draw_chunk(prepared, c, n_paths, self.chunk_skus, self.dispersion_)
            mean, qs = ordered_summary(draws, QUANTILES)
            return shuffled(draws), mean, qs

        return ChunkedPaths(self.skus_, self.start_, n_paths, horizon, self.chunk_skus, draw, keep_bytes)

    def predict(self, horizon: int, quantiles: tuple[float, ...] = QUANTILES, n_paths: int = 200,
                seed: int = 0) -> pd.DataFrame:
        """The long forecast frame, read off the same draws chunk by chunk: their strata come sorted, so
        the quantiles are read by position, without shuffling them into paths (as the engine's)."""
        prepared = self._prepared(horizon, seed)
        n_sku = len(self.skus_)
        mean = np.empty((n_sku, horizon), dtype=np.float32)
        qs = np.empty((len(quantiles), n_sku, horizon), dtype=np.float32)
        for c in range(len(prepared.seeds)):
            draws = draw_chunk(prepared, c, n_paths, self.chunk_skus, self.dispersion_)
            mean[draws.lo:draws.hi], qs[:, draws.lo:draws.hi] = ordered_summary(draws, quantiles)
        frame = forecast_frame(self.skus_, prepared.dates, mean, qs, quantiles)
        frame.insert(2, "model", self.name)
        return frame
