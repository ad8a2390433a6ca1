"""A global learner beside the engine: one gradient-boosted model (LightGBM) across every SKU.

The winners of the large retail competitions (M5, Favorita, Rossmann) fitted one model on all series
at once, trees on lags, calendar, events and prices. Here:

* rows: a SKU, a forecast origin and a day ahead (features.py). Known at the origin: the SKU's scale
  (mean of the last 91 observed days), its last 7 / 28 / 365 days and same weekday over 13 weeks as
  ratios to the scale, its share of days without a sale, last year's same days, and what its past
  campaign days sold; known ahead for the day: weekday, day of month and year, the campaign calendar's
  features (per type, hours, expected viewers, ad budget, discount -- the only price signal the library
  is given -- and the days to / since a campaign, forecast.features), the events' types with their
  magnitude and the days to / since one, the market's holidays and mega-sale days, the SKU's category.
  Censored days are never a target; their units are not read as zeros in any window either.
* model: LightGBM, Poisson objective with log(scale) as the offset, so the trees learn multipliers of
  the SKU's own level and one model serves SKUs of every size. Direct, not recursive: each row says how
  far ahead it is, so a 90-day forecast is one prediction per SKU and day, and errors do not feed back.
  Training rows come from origins a week apart over the last year (up to 91 days ahead each), at most
  ``max_rows`` of them drawn at random; the newest 28 days are held out: boosting stops when their
  error stops falling.
* paths and quantiles: negative binomial around the learner's mean, with each SKU's dispersion measured
  on the held-out days (out of sample, shrunk to the shop's: campaign.sampling.dispersion) and drawn by
  the engine's own stratified sampler, a chunk of SKUs at a time, so the planner reads them as it
  reads the engine's.

**Chosen per SKU by the backtest, not blended.** ``forecast.backtest.choose_models`` already scores
every model per SKU on pinball loss of P50 and P90 over the rolling origins and moves a SKU off the
default engine only where another model is at least 5 % better; the learner is one more candidate
there. A blend would need weights fitted per SKU on the same few origins (noisier than a choice) and
would mix two path generators whose days are drawn differently; a per-SKU choice keeps each SKU's paths
from one coherent model, and keeps the engine's what-if hooks (scenarios) for the SKUs it keeps. The
learner is fitted on every SKU even when the backtest chose it for some (``fits_all_skus``): it learns
from all of them.

Not a what-if model (no ``components``): scenarios redraw the engine's paths only.

LightGBM is an optional dependency (``pip install 'restock[learner]'``); without it the model stays
registered and ``fit`` raises ModelUnavailable with that sentence (``GlobalLearner.unavailable()``
says so before fitting), and everything else works.
"""

from forecast.models.learner.model import GlobalLearner, ModelUnavailable, missing_library

__all__ = ["GlobalLearner", "ModelUnavailable", "missing_library"]
