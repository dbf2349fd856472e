"""Weather parsing and fetch throughput, in-process.

    .venv/bin/python benchmarks/bench_weather.py [--quick]

Parsers (CPU seconds of this process, best of 3 passes): IEM asos1min CSV rows/s, METAR
reports/s (T-group and 6-/24-hour groups through the `metar` package), CLI text products/s
on the real samples. Then one end-to-end fetch from the simulator on loopback into DuckDB
(wall clock): 30 climate days of one station, every default source.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kalshi_tape.core.clock import ManualClock
from kalshi_tape.settings.shared import Settings
from kalshi_tape.settings.weather import WeatherModel
from kalshi_tape.sim.config import SimConfig
from kalshi_tape.sim.server import SimServer
from kalshi_tape.sim.weather import weather_base_urls
from kalshi_tape.sim.weather.model import SimWeather
from kalshi_tape.sim.weather.render import metar_text
from kalshi_tape.sim.weather.stations import STATIONS
from kalshi_tape.weather.asos1min import parse_asos1min
from kalshi_tape.weather.climate_report import parse_cli_product
from kalshi_tape.weather.metar import parse_metar
from kalshi_tape.weather.pipeline import FetchPlan
from kalshi_tape.weather.runner import run_fetch
from kalshi_tape.weather.sites import site_for

SAMPLES = Path(os.environ.get("KTAPE_SHARED", "/work/shared")) / "weather_samples" / "cli"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def best(fn: Callable[[], int], repeats: int = 3) -> float:
    """Items per CPU second, best of `repeats`."""
    rates = []
    for _ in range(repeats):
        start = time.process_time()
        items = fn()
        rates.append(items / max(time.process_time() - start, 1e-9))
    return max(rates)


def asos_body(minutes: int) -> bytes:
    start = datetime(2026, 7, 1, 5, tzinfo=UTC)
    rows = ["station,station_name,valid(UTC),tmpf,dwpf"]
    for m in range(minutes):
        t = start + timedelta(minutes=m)
        rows.append(f"NYC,NEW YORK CITY,{t:%Y-%m-%d %H:%M},{70 + m % 15},{55 + m % 7}")
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small inputs, a smoke run")
    quick = parser.parse_args().quick
    print(f"{platform.node()} {platform.python_version()} {datetime.now(UTC):%Y-%m-%d %H:%M}Z")

    body = asos_body(1440 if quick else 1440 * 7)
    rows = best(lambda: len(parse_asos1min(body)))
    print(f"asos1min CSV       {rows:>12,.0f} rows/s")

    weather, st = SimWeather(11), STATIONS["KXHIGHNY"]
    stamp = int(datetime(2026, 11, 10, 5, 51, tzinfo=UTC).timestamp())
    reports = [metar_text(weather, st, stamp + 3600 * h)[0] for h in range(48 if quick else 480)]
    when = datetime(2026, 11, 10, tzinfo=UTC)
    metars = best(lambda: sum(parse_metar(r, when) is not None for r in reports))
    print(f"METAR reports      {metars:>12,.0f} reports/s")

    texts = [p.read_text("latin-1") for p in sorted(SAMPLES.glob("*.txt"))] * (2 if quick else 50)
    products = best(lambda: sum(bool(parse_cli_product(t)) for t in texts))
    print(f"CLI text products  {products:>12,.0f} products/s")

    days = 3 if quick else 30
    config = SimConfig(seed=11, now=NOW, speed=0, series=("KXHIGHNY",))
    with SimServer(config) as sim, tempfile.TemporaryDirectory() as tmp:
        urls = weather_base_urls(sim.root_url)
        settings = Settings(
            db_url=f"duckdb:///{tmp}/bench.duckdb",
            iem_url=urls["iem_url"],
            awc_url=urls["awc_url"],
            nws_url=urls["nws_url"],
            visual_crossing_url=urls["visual_crossing_url"],
        )
        last = date(2026, 11, 18)
        plan = FetchPlan((site_for("KNYC"),), last - timedelta(days=days - 1), last)
        clock = ManualClock(int(NOW.timestamp() * 1e9))
        start = time.monotonic()
        report = run_fetch(settings, plan, WeatherModel(rate_per_s=1000), clock=clock)
        elapsed = time.monotonic() - start
    total = sum(report.rows.values())
    print(
        f"fetch {days} days     {elapsed:>10.1f} s wall, {total:,} rows, "
        f"{report.requests} requests ({total / elapsed:,.0f} rows/s incl. the simulator)"
    )


if __name__ == "__main__":
    main()
