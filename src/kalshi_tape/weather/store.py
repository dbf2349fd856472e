"""Read and write the weather tables: the library API the backtester and the HTTP API use.

    with open_store(url) as store:
        obs = load_observations(store, "KNYC", start, end)            # pyarrow.Table
        fc = load_forecasts(store, "KNYC", issued_before=t)           # only what was issued by t
        day = load_daily_climate(store, "KNYC", date(2026, 8, 1), date(2026, 8, 31))

Every reader returns a `pyarrow.Table` shaped like its warehouse table (exact decimals,
UTC timestamps), ordered by time. Writers apply the rules of docs/weather.md: rows are
upserted by natural key, and a preliminary climate report never replaces a final one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kalshi_tape.storage import (
    DailyClimateRow,
    Store,
    WeatherForecastRow,
    WeatherObservationRow,
    schema,
)
from kalshi_tape.storage.records import BackfillProgress
from kalshi_tape.weather.sites import site_for


def _select(
    store: Store,
    table: schema.Table,
    where: Sequence[tuple[str, object]],
    order_by: Sequence[str],
) -> pa.Table:
    """SELECT every column but ingested_at of `table` WHERE all `where` clauses hold."""
    names = [c for c in table.column_names if c != schema.INGESTED_AT]
    clauses = [clause.format(store.placeholder) for clause, value in where if value is not None]
    params = [value for _, value in where if value is not None]
    sql = f"SELECT {', '.join(names)} FROM {table.name}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += " ORDER BY " + ", ".join(order_by)
    rows = store.sql(sql, params)
    arrow_schema = pa.schema([table.arrow_schema.field(n) for n in names])
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [
        pa.array(list(col), type=f.type) for col, f in zip(columns, arrow_schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=arrow_schema)


def load_observations(
    store: Store,
    station: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    source: str | None = None,
) -> pa.Table:
    """Observations of `station` with start <= observed_at < end, oldest first."""
    return _select(
        store,
        schema.WEATHER_OBSERVATIONS,
        [
            ("station = {}", station.upper()),
            ("source = {}", source),
            ("observed_at >= {}", start),
            ("observed_at < {}", end),
        ],
        ("observed_at", "source"),
    )


def load_climate_day(
    store: Store, station: str, day: date, *, source: str | None = None
) -> pa.Table:
    """Observations of one climate day: midnight to midnight local STANDARD time, so
    00:30 local daylight time belongs to the previous day (docs/weather.md)."""
    start, end = site_for(station).climate_day_bounds(day)
    return load_observations(store, station, start, end, source=source)


def load_daily_climate(
    store: Store,
    station: str,
    start: date | None = None,
    end: date | None = None,
    *,
    source: str | None = None,
    final_only: bool = False,
    issued_before: datetime | None = None,
) -> pa.Table:
    """Climate days start <= climate_date <= end (both inclusive), oldest first.

    `issued_before=t` keeps only reports issued at or before t (no look-ahead); note the
    table holds the latest issuance per day, so an earlier preliminary is not recovered.
    """
    return _select(
        store,
        schema.DAILY_CLIMATE,
        [
            ("station = {}", station.upper()),
            ("source = {}", source),
            ("climate_date >= {}", start),
            ("climate_date <= {}", end),
            ("is_final = {}", True if final_only else None),
            ("issued_at <= {}", issued_before),
        ],
        ("climate_date", "source"),
    )


def load_forecasts(
    store: Store,
    station: str,
    *,
    issued_before: datetime | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    source: str | None = None,
    latest_only: bool = False,
) -> pa.Table:
    """Forecast periods of `station` issued at or before `issued_before`, whose start lies
    in [valid_from, valid_until); ordered by issue time then period. `latest_only` keeps
    the most recent issue (at or before `issued_before`) alone."""
    where: list[tuple[str, object]] = [
        ("station = {}", station.upper()),
        ("source = {}", source),
        ("issued_at <= {}", issued_before),
        ("valid_start >= {}", valid_from),
        ("valid_start < {}", valid_until),
    ]
    table = _select(store, schema.WEATHER_FORECASTS, where, ("issued_at", "valid_start"))
    if latest_only and table.num_rows:
        latest = pc.max(table.column("issued_at"))
        table = table.filter(pc.equal(table.column("issued_at"), latest))
    return table


# --------------------------------------------------------------------------- writes


def write_weather(
    store: Store,
    *,
    observations: Iterable[WeatherObservationRow] = (),
    climate: Iterable[DailyClimateRow] = (),
    forecasts: Iterable[WeatherForecastRow] = (),
    progress: BackfillProgress | None = None,
) -> int:
    """Upsert parsed rows and an optional checkpoint in one transaction; returns rows written.

    Climate rules: within the batch the last-issued report of a day wins, finals over
    preliminaries; a preliminary never overwrites a final already stored.
    """
    days = _keep_finals(store, _latest_per_day(climate))
    return store.commit_chunk(
        weather_observations=list(observations),
        daily_climate=days,
        weather_forecasts=list(forecasts),
        progress=progress,
    )


def _latest_per_day(rows: Iterable[DailyClimateRow]) -> list[DailyClimateRow]:
    best: dict[tuple[str, date, str], DailyClimateRow] = {}
    for row in rows:
        key = (row.station, row.climate_date, row.source)
        if key not in best or _rank(row) >= _rank(best[key]):
            best[key] = row
    return list(best.values())


def _rank(row: DailyClimateRow) -> tuple[bool, float]:
    issued = row.issued_at.timestamp() if row.issued_at else 0.0
    return (bool(row.is_final), issued)


def _keep_finals(store: Store, rows: list[DailyClimateRow]) -> list[DailyClimateRow]:
    """Drop preliminaries whose day already has a final row stored."""
    prelim = [r for r in rows if not r.is_final]
    if not prelim:
        return rows
    finals = _stored_finals(store, {r.station for r in prelim})
    return [r for r in rows if r.is_final or (r.station, r.climate_date, r.source) not in finals]


def _stored_finals(store: Store, stations: set[str]) -> set[tuple[str, date, str]]:
    ph = store.placeholder
    found: set[tuple[str, date, str]] = set()
    for station in sorted(stations):
        rows: list[tuple[Any, ...]] = store.sql(
            f"SELECT station, climate_date, source FROM daily_climate "
            f"WHERE station = {ph} AND is_final",
            (station,),
        )
        found |= {(str(s), d, str(src)) for s, d, src in rows}
    return found
