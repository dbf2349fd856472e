"""Sweeps on a real Dask cluster: a `LocalCluster` of scheduler and worker processes runs
the same grid as the local path, and the reports are byte-identical. A file strategy is
imported by the workers themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dask import distributed

from kalshi_tape.backtest.data.panel import BacktestInputError
from kalshi_tape.backtest.report.html import write_report
from kalshi_tape.backtest.run.runner import BacktestConfig, run_backtest
from kalshi_tape.backtest.run.sweep import parse_grid, run_sweep
from kalshi_tape.storage import open_store
from tests.backtest.test_user_strategy import FAVOURITE, write


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def test_a_grid_is_byte_identical_locally_and_on_the_cluster(
    sim_db: str, scheduler: str, tmp_path: Path
) -> None:
    strategy = write(tmp_path, "fav.py", FAVOURITE)
    config = BacktestConfig(
        "KXHIGHNY", date(2026, 11, 1), date(2026, 11, 4), f"{strategy}:MyFavourite"
    )
    grid = parse_grid(["size=1,2,5", "hour=8,12"])
    with open_store(sim_db) as store:
        result = run_backtest(store, config)
    local = run_sweep(sim_db, config, grid, workers=1)
    remote = run_sweep(sim_db, config, grid, cluster=scheduler)
    assert remote == local and len(local) == 6
    assert len({pnl for _, pnl, _ in local}) > 1  # the grid points differ: a real sweep
    write_report(tmp_path / "local.html", result, local)
    write_report(tmp_path / "cluster.html", result, remote)
    assert (tmp_path / "local.html").read_bytes() == (tmp_path / "cluster.html").read_bytes()


def test_ray_is_refused_clearly(sim_db: str) -> None:
    config = BacktestConfig("KXHIGHNY", date(2026, 11, 1), date(2026, 11, 2), "favourite")
    with pytest.raises(BacktestInputError, match="Ray is not supported"):
        run_sweep(sim_db, config, [{"size": "1"}, {"size": "2"}], cluster="ray://x:10001")
