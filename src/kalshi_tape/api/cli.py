"""`ktape serve`, `ktape cache warm` and `ktape apikey create|list|revoke`."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from kalshi_tape.api.keys import create_key, list_keys, revoke_key
from kalshi_tape.api.keystore import SUFFIX, KeyTable, keys_path, open_key_table
from kalshi_tape.backfill.plan import PERIODS
from kalshi_tape.cli.options import options
from kalshi_tape.core.errors import ConfigError, KtapeError, StorageError
from kalshi_tape.settings.api import ApiSettings, settings_to_json
from kalshi_tape.settings.entry import load_api_settings
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.storage import open_existing

if TYPE_CHECKING:
    from kalshi_tape.api.warm import WarmReport


def _settings(config_file: str | None, db_url: str | None, **api: Any) -> ApiSettings:
    return load_api_settings(api, {"db_url": db_url}, config_file=config_file)


# serve's flags; each `api.*` flag is the top layer of the settings model.
_SERVE_OPTIONS = (
    click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file)."),
    click.option("--host", help="Interface to listen on (default api.host: 127.0.0.1)."),
    click.option(
        "--port", type=click.IntRange(1, 65535), help="TCP port (default api.port: 8000)."
    ),
    click.option(
        "--workers",
        type=click.IntRange(1),
        help="Worker processes (default api.workers: 1; more than 1 needs PostgreSQL or a "
        "read-only DuckDB URL).",
    ),
    click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings."),
    click.option("--warm", is_flag=True, help="Also fill the candle cache for settled events."),
    click.option(
        "--require-keys/--no-require-keys",
        default=None,
        help="Refuse /v1 requests without a valid API key (default: api.require_keys).",
    ),
    click.option(
        "--cors", "cors_origins", multiple=True, help="Allowed browser origin (repeatable)."
    ),
    click.option(
        "--forwarded-allow-ips",
        help="Trust X-Forwarded-For only from these proxy addresses (comma-separated); "
        "default api.forwarded_allow_ips: never, so per-address limits use the socket's peer "
        "address.",
    ),
)


_serve_options = options(*_SERVE_OPTIONS)


@click.command("serve")
@_serve_options
def serve_command(db_url: str | None, config_file: str | None, warm: bool, **flags: Any) -> None:
    """Serve the candle API (OpenAPI at /docs, the ladder page at /)."""
    try:
        settings = _serve_settings(_settings(config_file, db_url, **flags))
        click.echo(startup_line(settings, settings.host, settings.port), err=True)
        _run(settings, warm)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None


def _serve_settings(settings: ApiSettings) -> ApiSettings:
    """Refuse what cannot work before anything starts; a read-only warehouse serves only."""
    shared_duckdb = settings.db_url.startswith("duckdb") and "read_only" not in settings.db_url
    if settings.workers > 1 and shared_duckdb:
        raise ConfigError(
            "workers",
            "several workers cannot share a writable DuckDB file: use PostgreSQL, "
            "a read-only URL (?read_only=true) or --workers 1",
        )
    if "read_only=true" in settings.db_url.lower() and settings.fetch_through:
        click.echo("read-only warehouse: serving stored data only (no fetch-through)", err=True)
        settings = settings.model_copy(update={"fetch_through": False})
    return settings


def _run(settings: ApiSettings, warm: bool) -> None:
    import uvicorn

    from kalshi_tape.api.app import SETTINGS_ENV, create_app

    proxy = _proxy_options(settings.forwarded_allow_ips)
    where: dict[str, Any] = {"host": settings.host, "port": settings.port, "access_log": False}
    where |= proxy
    if settings.workers > 1:
        os.environ[SETTINGS_ENV] = settings_to_json(settings)
        factory = "kalshi_tape.api.app:app_from_env"
        uvicorn.run(factory, factory=True, workers=settings.workers, **where)
        return
    uvicorn.run(create_app(settings, warm=warm), **where)


def _proxy_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn trusts X-Forwarded-For from loopback by default: off unless proxies are named."""
    if not forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}


def startup_line(settings: ApiSettings, host: str, port: int) -> str:
    """What `ktape serve` says before it listens: keys, where data comes from, the address."""
    keys = "API keys required" if settings.require_keys else "API keys NOT required (open)"
    source = f"warehouse {redact_url(settings.db_url)}"
    if settings.fetch_through:
        source += f", missing candles fetched from {settings.kalshi.base_url}"
    else:
        source += " only (no fetch-through)"
    shown = f"[{host}]" if ":" in host else host
    return f"serving on http://{shown}:{port}; {keys}; data from {source}"


@click.group("cache")
def cache_group() -> None:
    """The Kalshi candle cache of the API."""


@cache_group.command("warm")
@click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file).")
@click.option("--base-url", help="Exchange REST base URL (default $KALSHI_BASE_URL).")
@click.option("--series", multiple=True, help="Only events of this series (repeatable).")
@click.option(
    "--period",
    "periods",
    multiple=True,
    type=click.Choice([str(p) for p in PERIODS]),
    help="Candle period in minutes (repeatable; default 1, 60 and 1440).",
)
@click.option("--concurrency", default=4, show_default=True, help="Events fetched at once.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="YAML settings.")
def warm_command(
    db_url: str | None,
    base_url: str | None,
    series: tuple[str, ...],
    periods: tuple[str, ...],
    concurrency: int,
    config_file: str | None,
) -> None:
    """Fetch Kalshi's candles of settled events in the warehouse that lack them (resumable)."""
    try:
        settings = load_api_settings(
            {}, {"db_url": db_url, "base_url": base_url}, config_file=config_file
        )
        chosen = tuple(int(p) for p in periods) or PERIODS
        report = asyncio.run(_warm(settings, chosen, tuple(s.upper() for s in series), concurrency))
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{report.candidates} event/period pairs lacked candles; fetched {report.fetched} "
        f"({report.rows} candles, {report.requests} requests); failed {len(report.failed)}"
    )
    for line in report.failed:
        click.echo(f"  failed: {line}", err=True)
    if report.failed:
        raise SystemExit(1)


async def _warm(
    settings: ApiSettings, periods: tuple[int, ...], series: tuple[str, ...], concurrency: int
) -> WarmReport:
    from kalshi_tape.api.upstream import Upstream
    from kalshi_tape.api.warm import warm_cache
    from kalshi_tape.client import KalshiClient
    from kalshi_tape.core.clock import SYSTEM_CLOCK

    async with KalshiClient(settings.kalshi) as client:
        with open_existing(settings.db_url) as store:
            upstream = Upstream(client, store, SYSTEM_CLOCK)
            return await warm_cache(
                upstream, periods=periods, series=series, concurrency=concurrency
            )


@click.group("apikey")
def apikey_group() -> None:
    """API keys of `ktape serve` (only their hashes are stored)."""


_db = click.option("--db", "db_url", help="Warehouse URL (default $KTAPE_DB or a DuckDB file).")


@contextlib.contextmanager
def _key_table(db_url: str | None, *, must_exist: bool = False) -> Iterator[KeyTable]:
    """The warehouse's key store; beside a DuckDB file, so it works while serving.
    With `must_exist` (reading commands), no warehouse and no key store is an error and
    nothing is created."""
    url = _settings(None, db_url).db_url
    if must_exist:
        _require_warehouse(url)
    table, owned = open_key_table(url)
    try:
        yield table
    finally:
        if owned:
            table.close()


def _require_warehouse(url: str) -> None:
    path = keys_path(url)
    if path is None or path.exists():
        return
    warehouse = str(path)[: -len(SUFFIX)]
    if not os.path.exists(warehouse):
        raise StorageError(
            f"no warehouse at {warehouse} (from {redact_url(url)}); "
            "`ktape backfill` or `ktape db init` creates one"
        )


@apikey_group.command("create")
@click.argument("name")
@click.option("--rate", type=int, help="Requests per second for this key (default: server's).")
@click.option("--burst", type=int, help="Burst allowance for this key (default: server's).")
@_db
def apikey_create(name: str, rate: int | None, burst: int | None, db_url: str | None) -> None:
    """Create a key for NAME; the key is printed once and cannot be shown again."""
    try:
        with _key_table(db_url) as store:
            key, record = create_key(store, name, rate, burst)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"id {record.key_id} ({name}); the key, shown once:", err=True)
    click.echo(key)


@apikey_group.command("list")
@_db
def apikey_list(db_url: str | None) -> None:
    """List keys: id, name, created, revoked, limits (never the keys)."""
    try:
        with _key_table(db_url, must_exist=True) as store:
            keys = list_keys(store)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    for k in keys:
        revoked = k.revoked_at.isoformat() if k.revoked_at else "active"
        limits = f"{k.rate_per_s or 'default'}/s burst {k.burst or 'default'}"
        click.echo(f"{k.key_id}  {k.name}  issued {k.issued_at.isoformat()}  {revoked}  {limits}")


@apikey_group.command("revoke")
@click.argument("key_id")
@_db
def apikey_revoke(key_id: str, db_url: str | None) -> None:
    """Revoke the key with KEY_ID (servers refuse it within seconds)."""
    try:
        with _key_table(db_url, must_exist=True) as store:
            record = revoke_key(store, key_id)
    except KtapeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {record.key_id} ({record.name})")
