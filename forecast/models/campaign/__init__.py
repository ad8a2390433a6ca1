"""The default engine: campaign-aware, probabilistic, vectorised across SKUs.

Demand of SKU i on day t is modelled as

    mean[i, t]   = level[i] * season[i, t % m] * holiday[t] * event[i, t] * prepost[i, t] * uplift[i, t]
    demand[i, t] ~ Poisson(mean[i, t] * G[i, t]),   G ~ Gamma(1 / phi[i], phi[i])   (negative binomial)

with, on campaign days, log uplift drawn per path and campaign from its posterior predictive
N(u[i, type] + slope[type] * (intensity - typical), s2[i, type]). Every piece is estimated for all SKUs
at once with numpy over a SKU x day matrix, no per-SKU fitting loop:

* level: exponentially weighted mean of de-seasonalised demand on ordinary days (no campaign, no
  holiday, run-up and hangover divided out; of the days out of stock, only the day it ran out, at what
  sold or its expectation where that is more), each day weighted by its expected multiplier
  (so sum(units) / sum(multipliers): a weekday the shop barely trades on counts little), half-life
  longer for intermittent SKUs
  (TSB-style: the mean rate including zeros); SKUs with a short history shrink to their category;
  a slow level (months of memory) is moved by its category's drift: the category's recent levels (half-
  life 21 days) over its levels at the SKU's half-life, pooled over its SKUs, so a season starting
  across the shop reaches the slow sellers too, while each SKU keeps its own share;
* season (weekly by default): ratio of each weekday to the SKU's mean, shrunk toward the category's and
  the shop's profile by how many units the SKU's own profile rests on;
* time of year: a shop-wide day-of-year and day-of-month profile, and each SKU's own yearly swing
  beyond the shop's (a beach-town store peaks in July), as far as its years agree;
* holidays and mega-sale days: one multiplier per named day, from the shop's past years;
* events (the ``events`` frame: school holidays, paydays, own promotions): per event type a multiplier
  for its days and one for each of the 2 days before and after, per SKU shrunk to the type's pooled one
  (by expected units and by days of evidence);
* pre-campaign dip / post-campaign hangover: a multiplier per distance (1..3 days) from the nearest
  campaign, per SKU shrunk to the shop's;
* campaign uplift per type: log of (campaign-day units / baseline units) per past campaign and SKU,
  pooled SKU <- category <- shop with empirical-Bayes (random-effects) shrinkage, growing with
  log(expected viewers) or log(daily budget) where the calendar gives them; a per-type profile over the
  days of a multi-day campaign (a promotion's first day differs from its fourth); and a shop-wide
  profile over the time of year, as far as past years' campaigns agree (peak-season promotions lift more);
* dispersion phi per SKU by moments on ordinary days, shrunk to the shop's.

``components()`` returns the decomposition (baseline vs uplift) the planner explains its numbers with;
``uplift_scale`` (campaign id or type -> factor) scales a campaign's extra units for what-if scenarios
(the package satisfies forecast.models.base.WhatIfForecaster).

The phases, in the order ``CampaignForecaster.fit`` runs them, one module each:

    matrices.py     the history as SKU x day matrices; which days are ordinary, campaign, holiday days
    seasonality.py  weekly profile, time of year, named days
    level.py        local and current level, the category's drift, shrinkage of new SKUs
    uplift.py       run-up and hangover; campaign uplift per type; its matrices over the horizon
    sampling.py     dispersion; negative-binomial strata and campaign draws, a chunk of SKUs at a time
    model.py        the model class: runs the phases and reads the forecast off them
"""

from forecast.models.campaign.model import CampaignForecaster

__all__ = ["CampaignForecaster"]
