"""`ktape collect status`: a fleet's members (heartbeat, events, markets, lag) and leases."""

from __future__ import annotations

import json
import sys

import click
import psycopg

from kalshi_tape.collector.fleet import FleetStatus, read_status
from kalshi_tape.settings.redact import redact_url
from kalshi_tape.storage import default_url


@click.command("status")
@click.option("--db", help="The fleet's PostgreSQL warehouse (default $KTAPE_DB).")
@click.option("--json", "as_json", is_flag=True, help="Print members and leases as JSON.")
@click.option("--leases", "show_leases", is_flag=True, help="List every lease too.")
def status_command(db: str | None, as_json: bool, show_leases: bool) -> None:
    """Who holds what in a collector fleet, their lag and last heartbeat."""
    url = db or default_url()
    if url.split(":", 1)[0].lower() not in ("postgresql", "postgres"):
        click.echo(f"error: a fleet lives in PostgreSQL; {redact_url(url)} is not", err=True)
        sys.exit(2)
    try:
        status = read_status(url)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        click.echo(f"error: cannot read the fleet at {redact_url(url)}: {reason}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(status.as_json()))
        return
    click.echo("\n".join(render(status, show_leases)))


def render(status: FleetStatus, show_leases: bool = False) -> list[str]:
    if not status.members and not status.leases:
        return ["no fleet has run on this database"]
    lines = [
        f"{'member':<40} {'state':<5} {'heartbeat':>9} {'events':>6} {'markets':>7} "
        f"{'messages':>9} {'lag p50':>8} {'lag p99':>8}"
    ]
    for m in status.members:
        lines.append(
            f"{m.member_id:<40} {'alive' if m.alive else 'dead':<5} "
            f"{m.heartbeat_age_s:>8.1f}s {m.events:>6} {m.markets:>7} {m.messages:>9} "
            f"{_seconds(m.lag_p50_s):>8} {_seconds(m.lag_p99_s):>8}"
        )
    alive = {m.member_id for m in status.members if m.alive}
    orphaned = [lease for lease in status.leases if lease.holder not in alive]
    lines.append(f"{len(status.leases)} leases, {len(orphaned)} held by no live member")
    if show_leases:
        for lease in status.leases:
            lines.append(
                f"  {lease.event_ticker:<32} {lease.holder:<40} token {lease.token:<6} "
                f"expires in {lease.expires_in_s:.1f}s"
            )
    return lines


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}s"
