"""map_skus runs the same per-SKU work in-process, in local processes and on Dask, with equal results."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from forecast.executor import map_skus
from forecast.models import get_model


def _summarise(sku: str, frame: pd.DataFrame) -> tuple[str, float, int]:
    return sku, float(frame["units"].sum()), os.getpid()


def _on_dask_worker(sku: str, payload: int) -> tuple[str, int, str]:
    from distributed import get_worker

    return sku, payload * 2, get_worker().address  # raises outside a Dask worker


def _history(n_sku: int = 6, n_days: int = 120, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-01", periods=n_days, freq="D")
    weekly = 1 + 0.4 * np.cos(2 * np.pi * days.day_of_week.to_numpy() / 7)
    return pd.concat(
        [pd.DataFrame({"sku": f"sku-{i:02d}", "date": days, "units": rng.poisson((3 + 4 * i) * weekly).astype(float),
                       "censored": False}) for i in range(n_sku)],
        ignore_index=True,
    )


def test_processes_return_what_the_local_loop_returns_in_input_order():
    history = _history()
    groups = list(history.groupby("sku"))[::-1]  # not sorted, to see the order kept
    local = map_skus(_summarise, groups, executor="local")
    pooled = map_skus(_summarise, groups, executor="processes", n_workers=2)
    assert [r[:2] for r in pooled] == [r[:2] for r in local]
    assert [r[0] for r in local] == [sku for sku, _ in groups]
    assert {r[2] for r in local} == {os.getpid()}
    assert os.getpid() not in {r[2] for r in pooled}


def test_bad_executor_settings_say_what_is_allowed():
    with pytest.raises(ValueError, match="unknown executor 'threads'; choose one of local, processes, dask"):
        map_skus(_summarise, [], executor="threads")
    with pytest.raises(ValueError, match="needs executor='dask'"):
        map_skus(_summarise, [], executor="processes", scheduler="tcp://127.0.0.1:8786")


def test_an_empty_run_starts_no_workers():
    assert map_skus(_summarise, [], executor="dask") == []


def test_ets_on_a_dask_cluster_equals_the_local_run():
    distributed = pytest.importorskip("distributed")
    history = _history()
    local = get_model("ets", executor="local").fit(history).predict(21, n_paths=50, seed=5)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        on_workers = map_skus(_on_dask_worker, [(f"s{i}", i) for i in range(10)], executor="dask", scheduler=address)
        model = get_model("ets", executor="dask", scheduler=address).fit(history)
        clustered = model.predict(21, n_paths=50, seed=5)
    assert [r[:2] for r in on_workers] == [(f"s{i}", 2 * i) for i in range(10)]
    assert all(r[2].startswith("inproc://") for r in on_workers)
    assert model.fallbacks_ == {}
    pd.testing.assert_frame_equal(clustered, local)


def test_ets_in_local_processes_equals_the_local_run():
    history = _history(n_sku=4)
    local = get_model("ets", executor="local").fit(history).predict(14, n_paths=50, seed=2)
    pooled = get_model("ets", executor="processes", n_workers=2).fit(history).predict(14, n_paths=50, seed=2)
    pd.testing.assert_frame_equal(pooled, local)
