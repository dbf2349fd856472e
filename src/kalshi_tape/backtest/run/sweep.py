"""Parameter sweeps: a grid of `k=a,b,c` values run in parallel local processes, or on a
Dask cluster when a scheduler address is given (the `[cluster]` extra; a clear error
without it). Results come back in grid order whatever the completion order, so reports
stay deterministic: the suite checks that a grid gives byte-identical reports locally and
on a `LocalCluster` of real scheduler and worker processes. Ray is not supported (it was
never tested here); `ray://` addresses are refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal

from kalshi_tape.backtest.data.panel import BacktestInputError
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.storage import open_store

SweepRow = tuple[str, Decimal, int]


def parse_grid(specs: Sequence[str]) -> list[dict[str, str]]:
    """`["size=5,10", "margin=0.02,0.04"]` -> every combination, in order."""
    axes: list[tuple[str, list[str]]] = []
    for spec in specs:
        key, sep, values = spec.partition("=")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not key.strip() or not items:
            raise BacktestInputError(f"--sweep wants k=a,b,c, got {spec!r}")
        axes.append((key.strip(), items))
    return [
        dict(zip([k for k, _ in axes], combo, strict=True))
        for combo in itertools.product(*[v for _, v in axes])
    ]


def read_only(db_url: str) -> str:
    """DuckDB allows many readers only when all open read-only (workers share the file)."""
    if db_url.lower().startswith("duckdb:///") and "?" not in db_url and ":memory:" not in db_url:
        return db_url + "?read_only=true"
    return db_url


def _one(db_url: str, config: BacktestConfig) -> SweepRow:
    with open_store(read_only(db_url), migrate=False) as store:
        result = run_backtest(store, config)
    pnl = sum((e.result.pnl for e in result.events), Decimal(0))
    fills = sum(len(e.result.fills) for e in result.events)
    label = ", ".join(f"{k}={v}" for k, v in sorted(config.params.items()))
    return label, pnl, fills


def run_sweep(
    db_url: str,
    base: BacktestConfig,
    grid: Sequence[Mapping[str, str]],
    workers: int = 2,
    cluster: str | None = None,
) -> list[SweepRow]:
    configs = [replace(base, params={**base.params, **combo}) for combo in grid]
    if cluster:
        return _on_cluster(cluster, db_url, configs)
    if workers <= 1 or len(configs) == 1:
        return [_one(db_url, c) for c in configs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_one, [db_url] * len(configs), configs))


def _on_cluster(address: str, db_url: str, configs: Sequence[BacktestConfig]) -> list[SweepRow]:
    if address.startswith("ray://"):
        raise BacktestInputError(
            f"--cluster {address}: Ray is not supported; give a Dask scheduler (tcp://host:8786)"
        )
    try:
        from dask.distributed import Client  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BacktestInputError(
            "--cluster needs `pip install 'kalshi-tape[cluster]'` (dask.distributed)"
        ) from None
    try:
        client = Client(address, timeout="10s")  # type: ignore[no-untyped-call,unused-ignore]
    except OSError as e:
        raise BacktestInputError(f"--cluster {address}: no Dask scheduler there ({e})") from None
    with client:
        futures = client.map(_one, [db_url] * len(configs), configs, pure=False)
        return list(client.gather(futures))  # type: ignore[no-untyped-call,unused-ignore]
