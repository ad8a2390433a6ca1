"""Sampling: the negative-binomial noise around the fitted means, and the draws of sample paths.

An ordinary day's demand is NB(mean mu, Var = mu + phi mu^2), drawn by stratified inverse CDF (one
draw per 1/n_paths slice, so the draws come sorted and their quantiles are read by position). A
campaign day is Poisson around mean x uplift x lognormal noise, the uplift drawn once per SKU, path
and campaign so that the days of a campaign move together. SKUs are drawn a chunk at a time, each
chunk from its own seed, so a chunk drawn again is drawn identically.

Random streams: a chunk's ordinary days are shuffled by the chunk's own generator, which draws nothing
else; each campaign's cells are drawn by a generator of their own, keyed by the chunk and the campaign's
id (``campaign_keys``). So a campaign added to, moved or cancelled for some SKUs changes the draws of
those SKUs' cells only: the other SKUs' paths stay as they were, draw for draw (issue 22, "a change
confined to some SKUs moves no other SKU's forecast").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: below this mean, ordinary days are drawn by the exact negative-binomial inverse CDF
_EXACT_BELOW = 20.0
_SUPPORT = 96


def dispersion(units: np.ndarray, expected: np.ndarray, usable: np.ndarray, prior_days: float = 60.0) -> np.ndarray:
    """Negative-binomial dispersion phi (Var = mu + phi mu^2) per SKU by moments, shrunk to the shop's.

    Parameters
    ----------
    units : (n_sku, n_days) units sold.
    expected : (n_sku, n_days) the fitted mean demand of those days.
    usable : (n_sku, n_days) bool, the days the moments are read on (ordinary days).
    prior_days : usable days at which a SKU's own phi weighs as much as the shop's.

    Returns
    -------
    (n_sku,) float32 phi, in [0.01, 10].
    """
    mu = np.where(usable, expected, 0).astype(np.float64)
    excess = np.where(usable, (units - expected) ** 2 - expected, 0).astype(np.float64)
    mu2 = (mu**2).sum(axis=1)
    own = np.divide(excess.sum(axis=1), mu2, out=np.zeros(len(mu2)), where=mu2 > 0)
    shop = max(excess.sum() / max(mu2.sum(), 1e-9), 0.01)
    n = usable.sum(axis=1)
    w = n / (n + prior_days)
    return np.clip(w * own + (1 - w) * shop, 0.01, 10.0).astype(np.float32)


@dataclass(frozen=True)
class PreparedDraws:
    """What every chunk's draws share: the forecast's deterministic parts and one seed per chunk."""

    dates: pd.DatetimeIndex  # the horizon's days
    baseline: np.ndarray  # (n_sku, horizon) float32 mean demand without campaign uplift
    log_mean: np.ndarray  # (n_sku, horizon) mean log-uplift (0 off campaigns)
    log_sd: np.ndarray  # (n_sku, horizon) its standard deviation
    campaign: np.ndarray  # (n_sku, horizon) index of the day's campaign, -1 off campaigns
    scale: np.ndarray  # (n_sku, horizon) the scenario's factor on the campaign's extra units
    n_campaigns: int  # campaigns in the horizon, at least 1 (one uplift draw each per SKU and path)
    seeds: list[np.random.SeedSequence]  # one per chunk of SKUs
    campaign_keys: np.ndarray  # (campaigns,) uint32, campaign_key of each campaign's id


def campaign_key(campaign_id) -> int:
    """A campaign's stream key: the CRC-32 of its id, the same in every run and process."""
    return zlib.crc32(str(campaign_id).encode("utf-8"))


@dataclass(frozen=True)
class ChunkDraws:
    """One chunk of SKUs' draws, before ordinary days are shuffled into paths.

    ``ordered`` (n_paths, n, horizon) holds, per SKU and day, the stratified draws of an ordinary day
    sorted along paths; the campaign cells (``campaign_sku[k]``, ``campaign_day[k]``) have their own
    joint draws ``campaign_values[k]`` (n_paths,). ``rng`` is the chunk's generator, which goes on to
    shuffle the ordinary days (``shuffled``).
    """

    lo: int  # first SKU of the chunk
    hi: int  # one past its last SKU
    ordered: np.ndarray
    campaign_sku: np.ndarray  # chunk-relative SKU of each campaign cell
    campaign_day: np.ndarray  # horizon day of each campaign cell
    campaign_values: np.ndarray  # (cells, n_paths) float32
    rng: np.random.Generator


def draw_chunk(prepared: PreparedDraws, c: int, n_paths: int, chunk_skus: int,
               sku_dispersion: np.ndarray) -> ChunkDraws:
    """Chunk c's draws; the same every time for the same prepared draws.

    Parameters
    ----------
    prepared : the forecast's deterministic parts and the chunks' seeds (``PreparedDraws``).
    c : the chunk, SKUs ``c * chunk_skus`` onwards.
    n_paths : draws per SKU and day.
    chunk_skus : SKUs per chunk.
    sku_dispersion : (n_sku,) the negative-binomial phi of each SKU (``dispersion``).

    Returns
    -------
    ChunkDraws: ordinary days as sorted strata of the negative binomial (``nb_stratified``); campaign
    days Poisson around mean x uplift x lognormal noise of the same variance as the gamma.
    """
    lo = c * chunk_skus
    hi = min(lo + chunk_skus, len(sku_dispersion))
    rng = np.random.default_rng(prepared.seeds[c])  # the ordinary days' shuffle, nothing else
    n = hi - lo
    mu = prepared.baseline[lo:hi]
    phi = np.broadcast_to(sku_dispersion[lo:hi, None], mu.shape)
    ordered = nb_stratified(mu.reshape(-1), phi.reshape(-1), n_paths).reshape(n_paths, n, mu.shape[1])
    campaign = prepared.campaign[lo:hi]
    i, t = np.nonzero(campaign >= 0)
    values = np.zeros((len(i), n_paths), dtype=np.float32)
    for k in np.unique(campaign[i, t]):
        cells = np.flatnonzero(campaign[i, t] == k)
        values[cells] = _campaign_cells(prepared, c, int(k), lo, i[cells], t[cells], phi, n_paths)
    return ChunkDraws(lo=lo, hi=hi, ordered=ordered, campaign_sku=i, campaign_day=t, campaign_values=values, rng=rng)


def _campaign_cells(prepared: PreparedDraws, c: int, k: int, lo: int, i: np.ndarray, t: np.ndarray,
                    phi: np.ndarray, n_paths: int) -> np.ndarray:
    """Draws (cells, n_paths) of campaign k's cells (chunk-relative SKU i, day t, in SKU order) in chunk
    c, from the campaign's own generator: one uplift per featured SKU and path, then per cell the
    lognormal noise and the Poisson count."""
    key = int(prepared.campaign_keys[k])
    seed = prepared.seeds[c]
    rng = np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key)))
    featured, row = np.unique(i, return_inverse=True)
    z = rng.standard_normal((len(featured), n_paths), dtype=np.float32)[row]
    factor = np.exp(prepared.log_mean[lo + i, t][:, None] + prepared.log_sd[lo + i, t][:, None] * z)
    factor = np.maximum(1 + prepared.scale[lo + i, t][:, None] * (factor - 1), 0)
    sigma2 = np.log1p(phi[i, t])[:, None]
    noise = np.exp(np.sqrt(sigma2) * rng.standard_normal(z.shape, dtype=np.float32) - sigma2 / 2)
    return rng.poisson(prepared.baseline[lo + i, t][:, None] * factor * noise).astype(np.float32)


def shuffled(draws: ChunkDraws) -> np.ndarray:
    """Sample paths (n, n_paths, horizon) from one chunk's draws.

    The sorted stratified draws of each SKU and day are shuffled along paths by a random permutation
    (from a pool of 1,024 per chunk), which keeps days independent of one another; campaign cells take
    their own joint draws. Consumes the chunk's generator.
    """
    n_paths, n, horizon = draws.ordered.shape
    pool = np.argsort(draws.rng.random((1024, n_paths), dtype=np.float32), axis=1).astype(np.int16)
    pick = draws.rng.integers(0, len(pool), n * horizon)
    flat = draws.ordered.reshape(n_paths, n * horizon)
    shuffled = np.take_along_axis(flat, pool[pick].T, axis=0)
    values = shuffled.reshape(n_paths, n, horizon).transpose(1, 0, 2).copy()
    if len(draws.campaign_sku):
        values[draws.campaign_sku, :, draws.campaign_day] = draws.campaign_values
    return values


def ordered_summary(draws: ChunkDraws, quantiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Mean (n, horizon) and quantiles (n_q, n, horizon) of one chunk's draws.

    Ordinary days' draws come sorted, so their quantiles are read by position (numpy's 'linear' rule)
    without shuffling or sorting; campaign days use np.quantile on their draws.
    """
    ordered = draws.ordered
    n_paths = ordered.shape[0]
    position = np.asarray(quantiles) * (n_paths - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, n_paths - 1)
    weight = (position - below).astype(np.float32)
    mean = ordered.mean(axis=0)
    qs = np.stack([ordered[below[j]] + weight[j] * (ordered[above[j]] - ordered[below[j]]) for j in range(len(quantiles))])
    if len(draws.campaign_sku):
        i, t = draws.campaign_sku, draws.campaign_day
        mean[i, t] = draws.campaign_values.mean(axis=1)
        qs[:, i, t] = np.quantile(draws.campaign_values, quantiles, axis=1)
    return mean, qs


def nb_stratified(mu: np.ndarray, phi: np.ndarray, n_strata: int) -> np.ndarray:
    """Inverse CDF of NB(mean mu, Var = mu + phi mu^2) at strata u_j = (j + 0.5) / n_strata.

    Means below _EXACT_BELOW use the exact CDF on 0.._SUPPORT-1 (pmf by recursion, all cells at once):
    the value at stratum j is the number of support points whose CDF lies below u_j, accumulated from a
    histogram of where each CDF value falls. Larger means (and the far tail of small ones) use the
    Wilson-Hilferty cube-root normal approximation of the gamma with the same mean and variance.

    Parameters
    ----------
    mu, phi : (cells,) mean and dispersion of each cell (a SKU and day).
    n_strata : strata per cell (the number of paths).

    Returns
    -------
    (n_strata, cells) float32, sorted along axis 0.
    """
    mu = np.maximum(np.asarray(mu, dtype=np.float64), 0)
    phi = np.asarray(phi, dtype=np.float64)
    n_cells = len(mu)
    out = np.empty((n_strata, n_cells), dtype=np.float32)
    small = mu < _EXACT_BELOW
    large = np.flatnonzero(~small)
    if len(large):
        out[:, large] = _wilson_hilferty(mu[large], phi[large], n_strata)
    idx = np.flatnonzero(small)
    if len(idx):
        m, f = mu[idx], phi[idx]
        r = 1 / f
        q = f * m / (1 + f * m)
        pmf = np.exp(-r * np.log1p(f * m))  # P(0) = (1 + phi mu)^(-1/phi)
        cdf = pmf.copy()
        hist = np.zeros((n_strata + 1, len(idx)), dtype=np.int16)
        cols = np.arange(len(idx))
        last = (n_strata - 0.5) / n_strata
        for k in range(_SUPPORT - 1):
            # strata j with u_j > F(k) lie beyond k: each of them is at least k + 1
            first = np.clip(np.floor(cdf * n_strata - 0.5).astype(np.int64) + 1, 0, n_strata)
            hist[first, cols] += 1
            if cdf.min() > last:
                break
            pmf = pmf * (k + r) / (k + 1) * q
            cdf = cdf + pmf
        exact = np.cumsum(hist[:n_strata], axis=0, dtype=np.int16).astype(np.float32)
        tail = np.flatnonzero(exact[-1] >= _SUPPORT - 1)
        if len(tail):
            # a heavy tail beyond the support: the approximation takes over there
            approx = _wilson_hilferty(m[tail], f[tail], n_strata)
            exact[:, tail] = np.where(exact[:, tail] >= _SUPPORT - 1, np.maximum(approx, _SUPPORT - 1), exact[:, tail])
        out[:, idx] = exact
    return out


def _wilson_hilferty(mu: np.ndarray, phi: np.ndarray, n_strata: int) -> np.ndarray:
    """Gamma quantiles (mean mu, variance mu + phi mu^2) at the strata, rounded -> (n_strata, cells)."""
    var = mu + phi * mu**2
    shape = np.divide(mu**2, var, out=np.ones_like(mu), where=var > 0).astype(np.float32)
    z = _normal_ppf((np.arange(n_strata) + 0.5) / n_strata).astype(np.float32)[:, None]
    cube = np.maximum(1 - 1 / (9 * shape) + z / (3 * np.sqrt(shape)), 0)
    return np.floor(mu.astype(np.float32) * cube * cube * cube + 0.5)


def _normal_ppf(p: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(p)
