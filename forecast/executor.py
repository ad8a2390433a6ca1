"""Run one function per SKU: in this process, in local worker processes, or on a Dask cluster.

The per-SKU models (ETS, SARIMAX, Prophet) hand their work to ``map_skus`` and never see which back end
ran it, so the same code scales from a laptop to a cluster given its scheduler address. Work is sent in
chunks of SKUs to amortise pickling and scheduling; results come back in the order of the input.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from typing import Any, Literal, TypeVar

Result = TypeVar("Result")
Executor = Literal["local", "processes", "dask"]
EXECUTORS = ("local", "processes", "dask")


def _one_blas_thread():
    """Pin BLAS to one thread while per-SKU work runs.

    Per-SKU models do many tiny matrix operations (a SARIMAX state vector has a dozen entries); letting
    OpenBLAS spread each over every core while the workers already use them all made SARIMAX fits up
    to ten times slower on the 2-core machine. Without threadpoolctl this is a no-op.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS, so that the limit reaches it too)

    return threadpool_limits(limits=1, user_api="blas")


def _run_chunk(func: Callable[[str, Any], Result], chunk: list[tuple[str, Any]]) -> list[Result]:
    with _one_blas_thread():
        return [func(sku, payload) for sku, payload in chunk]


def _chunks(groups: list[tuple[str, Any]], n_workers: int) -> list[list[tuple[str, Any]]]:
    """About four chunks per worker: few enough to amortise pickling, enough to balance uneven SKUs."""
    size = max(1, math.ceil(len(groups) / (4 * n_workers)))
    return [groups[i:i + size] for i in range(0, len(groups), size)]


def map_skus(
    func: Callable[[str, Any], Result],
    groups: Iterable[tuple[str, Any]],
    executor: Executor = "processes",
    scheduler: str | None = None,
    n_workers: int | None = None,
) -> list[Result]:
    """``[func(sku, payload) for sku, payload in groups]``, run by the chosen back end.

    Parameters
    ----------
    func
        A module-level function (or ``functools.partial`` of one) so that it pickles; it gets the SKU and
        its payload, usually the SKU's history frame.
    groups
        ``(sku, payload)`` pairs, e.g. ``history.groupby("sku")``.
    executor
        ``"local"``: a loop in this process. ``"processes"``: a ``ProcessPoolExecutor`` of ``n_workers``
        (default: the CPU count). ``"dask"``: a ``distributed.Client`` on ``scheduler`` (an address such
        as ``"tcp://10.0.0.5:8786"``) or, without one, on a new ``LocalCluster`` of ``n_workers``.
    scheduler
        Dask scheduler address; only with ``executor="dask"``.
    n_workers
        Worker count for ``"processes"`` and for a new Dask ``LocalCluster``.

    Returns
    -------
    list
        One result per group, in the order of ``groups``.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"a scheduler address ({scheduler!r}) needs executor='dask', not {executor!r}")
    groups = [(str(sku), payload) for sku, payload in groups]
    if not groups:
        return []
    if executor == "local":
        return _run_chunk(func, groups)
    if executor == "processes":
        n_workers = n_workers or os.cpu_count() or 1
        if n_workers == 1 or len(groups) == 1:
            return _run_chunk(func, groups)
        chunks = _chunks(groups, n_workers)
        with ProcessPoolExecutor(max_workers=min(n_workers, len(chunks))) as pool:
            return [result for chunk in pool.map(_run_chunk, [func] * len(chunks), chunks) for result in chunk]
    return _map_dask(func, groups, scheduler, n_workers)


def _map_dask(func, groups, scheduler, n_workers):
    from distributed import Client, LocalCluster  # lazy: dask is an optional extra

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers or 2, threads_per_worker=1, dashboard_address=None)
        scheduler = cluster.scheduler_address
    try:
        with Client(scheduler, set_as_default=False) as client:
            workers = len(client.scheduler_info().get("workers", {})) or 1
            chunks = _chunks(groups, workers)
            futures = client.map(_run_chunk, [func] * len(chunks), chunks, pure=False)
            return [result for chunk in client.gather(futures) for result in chunk]
    finally:
        if cluster is not None:
            cluster.close()
