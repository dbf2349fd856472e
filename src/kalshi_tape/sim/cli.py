"""`ktape sim`: run the simulated exchange."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from kalshi_tape.cli.options import options
from kalshi_tape.client.ratelimit import TIER_BUDGETS
from kalshi_tape.core.errors import ConfigError
from kalshi_tape.core.timeparse import iso_time
from kalshi_tape.sim.config import DEFAULT_SERIES, WIRE_ERAS, Faults, SimConfig

F = TypeVar("F", bound=Callable[..., Any])


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return iso_time(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO-8601 time: {value!r}") from None


def _parse_keys(values: tuple[str, ...]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for item in values:
        key_id, sep, pem = item.partition("=")
        if not sep or not key_id:
            raise click.BadParameter(f"expected KEY_ID=PEM or KEY_ID=@path, got {item[:20]!r}")
        if pem.startswith("@"):
            pem = Path(pem[1:]).read_text()
        keys[key_id] = pem
    return keys


SIM_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
    click.option(
        "--port",
        default=8787,
        show_default=True,
        type=click.IntRange(0, 65535),
        help="TCP port to listen on; 0 picks a free one (the banner shows which).",
    ),
    click.option(
        "--seed",
        default=1,
        show_default=True,
        type=int,
        help="Random seed: the same seed and --now give the same exchange.",
    ),
    click.option(
        "--now",
        "now_text",
        default=None,
        help="Market clock at start (ISO-8601; default: wall clock).",
    ),
    click.option(
        "--speed", default=1.0, show_default=True, type=float, help="Clock multiplier; 0 = frozen."
    ),
    click.option(
        "--days", default=45, show_default=True, type=int, help="Days of settled history."
    ),
    click.option(
        "--historical-days",
        default=7,
        show_default=True,
        type=int,
        help="Age of the historical cutoff.",
    ),
    click.option(
        "--wire-era",
        type=click.Choice(WIRE_ERAS),
        default="fixed",
        show_default=True,
        help="Which historical Kalshi wire format to speak (price and count fields).",
    ),
    click.option(
        "--whole-contracts",
        is_flag=True,
        help="Whole contracts (implied by --wire-era dual and cents).",
    ),
    click.option(
        "--tier",
        type=click.Choice(list(TIER_BUDGETS)),
        default="basic",
        show_default=True,
        help="Rate-limit tier the exchange enforces.",
    ),
    click.option(
        "--trust-key",
        "trust_keys",
        multiple=True,
        help="KEY_ID=PUBLIC_KEY_PEM or KEY_ID=@path (repeatable).",
    ),
    click.option(
        "--faults", "faults_text", default="", help="e.g. http_5xx=0.05,ws_drop_every=500"
    ),
    click.option(
        "--series",
        "series_text",
        default=",".join(DEFAULT_SERIES),
        show_default=True,
        help="Comma-separated weather series to generate.",
    ),
    click.option(
        "--log-level",
        default="warning",
        show_default=True,
        help="uvicorn log level (debug, info, warning, error).",
    ),
)


_with_sim_options = options(*SIM_OPTIONS)


@click.command("sim")
@_with_sim_options
def sim_command(
    host: str,
    port: int,
    seed: int,
    now_text: str | None,
    speed: float,
    days: int,
    historical_days: int,
    wire_era: str,
    whole_contracts: bool,
    tier: str,
    trust_keys: tuple[str, ...],
    faults_text: str,
    series_text: str,
    log_level: str,
) -> None:
    """Run a faithful local Kalshi exchange (REST + WebSocket) with generated weather markets."""
    try:
        config = SimConfig(
            seed=seed,
            now=_parse_now(now_text),
            days=days,
            historical_days=historical_days,
            wire_era=wire_era,  # type: ignore[arg-type]
            whole_contracts=whole_contracts,
            tier=tier,
            trusted_keys=_parse_keys(trust_keys),
            faults=Faults.parse(faults_text),
            speed=speed,
            series=tuple(s.strip() for s in series_text.split(",") if s.strip()),
        )
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    _serve(config, host, port, log_level)


def _serve(config: SimConfig, host: str, port: int, log_level: str) -> None:
    import uvicorn

    from kalshi_tape.sim.app import create_app
    from kalshi_tape.sim.server import bind_socket, uvicorn_config

    try:
        app = create_app(config)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        sock = bind_socket(host, port)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    port = sock.getsockname()[1]
    _banner(config, host, port)
    uvicorn.Server(uvicorn_config(app, host, port, log_level)).run(sockets=[sock])


def _banner(config: SimConfig, host: str, port: int) -> None:
    """The start lines on stderr: where REST, WebSocket, admin and weather listen."""
    if not config.trusted_keys:
        click.echo("warning: no --trust-key given; running open (no signature checks)", err=True)
    base = f"http://{host}:{port}"
    click.echo(
        f"ktape sim: REST {base}/trade-api/v2  WS ws://{host}:{port}/trade-api/ws/v2"
        f"  admin {base}/_sim  (seed={config.seed}, era={config.wire_era}, tier={config.tier})",
        err=True,
    )
    click.echo(
        f"ktape sim: weather KTAPE_IEM_URL={base}/iem "
        f"KTAPE_AWC_URL={base}/awc KTAPE_NWS_URL={base}/nws",
        err=True,
    )
