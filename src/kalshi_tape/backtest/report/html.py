"""One self-contained HTML report (plotly.js inlined once), byte-identical for the same
inputs and seed: fixed figure ids, no run time, values formatted deterministically.

Sections: summary, equity curve, P&L after fees by event and by bracket rank, maker/taker
split, calibration before and after (scores, by hour, reliability), a bracket-ladder chart
of one event with entries and exits, the trades table, and sweep results when given.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kalshi_tape.backtest.run.runner import BacktestResult, EventRun
from kalshi_tape.backtest.signals.scoring import Calibration, calibration_summary
from kalshi_tape.backtest.strategies.protocol import Fill

MAX_TRADE_ROWS = 500


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M")


def _fig(fig: go.Figure, div_id: str, title: str) -> str:
    fig.update_layout(title=title, template="plotly_white", height=420, margin={"t": 50})
    body: str = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id)
    return body


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _f(x: float, places: int = 4) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.{places}f}"


def _fills(result: BacktestResult) -> list[Fill]:
    return [f for e in result.events for f in e.result.fills]


def _summary(result: BacktestResult) -> str:
    c = result.config
    fills = _fills(result)
    pnl = sum((e.result.pnl for e in result.events), Decimal(0))
    fees = sum((f.fee for f in fills), Decimal(0))
    params = ", ".join(f"{k}={v}" for k, v in sorted(c.params.items())) or "defaults"
    sources = sorted({e.panel.source for e in result.events})
    rows = [
        ("series", c.series),
        ("range", f"{c.start} .. {c.end}"),
        ("strategy", f"{c.strategy} ({params})"),
        ("events", str(len(result.events))),
        ("data", ", ".join(sources) + ("; weather on" if result.weather_used else "; market only")),
        ("seed", str(c.seed)),
        ("P&L after fees ($)", str(pnl)),
        ("fees paid ($)", str(fees)),
        ("fills", str(len(fills))),
        ("fill rules", f"slippage ${c.rules.slippage}, taker at {c.rules.taker_price}, "
         f"maker participation {c.rules.participation}, queue ahead {c.rules.queue_ahead}"),
    ]  # fmt: skip
    return _table(["", ""], rows)


def _split(result: BacktestResult) -> str:
    rows = []
    for kind in ("taker", "maker"):
        mine = [f for f in _fills(result) if f.liquidity == kind]
        contracts = sum((Decimal(f.count) for f in mine), Decimal(0))
        fees = sum((f.fee for f in mine), Decimal(0))
        rows.append((kind, len(mine), str(contracts), str(fees)))
    return _table(["liquidity", "fills", "contracts", "fees ($)"], rows)


def _equity(result: BacktestResult) -> str:
    xs: list[str] = []
    ys: list[float] = []
    base = 0.0
    for e in result.events:
        step = max(1, len(e.result.ts) // 200)
        xs.extend(_iso(t) for t in e.result.ts[::step])
        ys.extend(float(base + v) for v in e.result.equity[::step])
        base += float(e.result.pnl)
        xs.append(_iso(int(e.result.ts[-1])))
        ys.append(base)
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", name="equity"))
    fig.update_yaxes(title="cumulative P&L after fees ($)")
    return _fig(fig, "fig-equity", "Equity curve (marked to mid, settled at $1/$0)")


def _pnl_bars(result: BacktestResult) -> str:
    events = [e.result.event_ticker for e in result.events]
    pnl = [float(e.result.pnl) for e in result.events]
    fig = go.Figure(go.Bar(x=events, y=pnl, name="P&L"))
    fig.update_yaxes(title="$")
    ranks: dict[int, float] = {}
    for e in result.events:
        for i, t in enumerate(e.panel.meta.tickers):
            ranks[i] = ranks.get(i, 0.0) + float(e.result.pnl_by_ticker.get(t, Decimal(0)))
    fig2 = go.Figure(
        go.Bar(x=[f"rank {i}" for i in sorted(ranks)], y=[ranks[i] for i in sorted(ranks)])
    )
    fig2.update_yaxes(title="$")
    return _fig(fig, "fig-pnl-event", "P&L after fees by event") + _fig(
        fig2, "fig-pnl-bracket", "P&L after fees by bracket (0 = lowest temperatures)"
    )


def _calibration(cal: Calibration) -> str:
    rows = [(name, s.n, _f(s.brier), _f(s.log_loss), _f(s.ece)) for name, s in cal.overall.items()]
    table = _table(["probabilities", "bracket-minutes", "Brier", "log loss", "ECE"], rows)
    fig = go.Figure()
    for name, by_hour in cal.by_hour.items():
        hours = sorted(by_hour)
        fig.add_trace(
            go.Scatter(
                x=hours, y=[by_hour[h].brier for h in hours], name=name, mode="lines+markers"
            )
        )
    fig.update_xaxes(title="hour of the climate day (LST; negative = evening before)")
    fig.update_yaxes(title="Brier score")
    rel = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], name="perfect", line={"dash": "dot"}))
    for name, r in cal.reliability.items():
        keep = r.count > 0
        rel.add_trace(go.Scatter(x=r.mean_p[keep], y=r.freq[keep], name=name, mode="lines+markers"))
    rel.update_xaxes(title="forecast probability")
    rel.update_yaxes(title="observed frequency")
    return (
        table
        + _fig(fig, "fig-brier-hour", "Brier score by hour of the climate day")
        + _fig(rel, "fig-reliability", "Reliability: before (fused) and after calibration")
    )


def _ladder(result: BacktestResult) -> str:
    if not result.events:
        return ""
    event: EventRun = max(
        result.events, key=lambda e: (len(e.result.fills), -result.events.index(e))
    )
    fig = go.Figure()
    x = [_iso(t) for t in event.panel.ts]
    for i, t in enumerate(event.panel.meta.tickers):
        fig.add_trace(go.Scatter(x=x, y=event.features["p"][:, i], name=t, mode="lines"))
    for f in event.result.fills:
        buy = f.yes_delta > 0
        fig.add_trace(
            go.Scatter(
                x=[_iso(f.ts)], y=[float(f.yes_price)], mode="markers", showlegend=False,
                marker={"symbol": "triangle-up" if buy else "triangle-down", "size": 11,
                        "color": "green" if buy else "red"},
                name=f"{f.ticker} {f.side} {f.action}",
            )
        )  # fmt: skip
    fig.update_yaxes(title="YES mid ($)")
    return _fig(
        fig, "fig-ladder", f"Bracket ladder of {event.result.event_ticker}: entries and exits"
    )


def _trades(result: BacktestResult) -> str:
    rows = [
        (
            f.order_id,
            _iso(f.ts),
            f.ticker,
            f.side,
            f.action,
            str(f.count),
            str(f.price),
            f.liquidity,
            str(f.fee),
            f.filled_by,
            f.tag,
        )
        for f in _fills(result)[:MAX_TRADE_ROWS]
    ]
    return _table(
        [
            "order id",
            "time (UTC)",
            "market",
            "side",
            "action",
            "count",
            "price",
            "liquidity",
            "fee",
            "filled by",
            "tag",
        ],
        rows,
    )


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "font-size:13px;text-align:right}th{background:#f3f3f3}h2{margin-top:1.6em}"
)


def render(result: BacktestResult, sweep: Sequence[tuple[str, Decimal, int]] = ()) -> str:
    cal = calibration_summary(result)
    parts = [
        "<h2>Summary</h2>", _summary(result),
        "<h2>Equity</h2>", _equity(result),
        "<h2>P&amp;L</h2>", _pnl_bars(result),
        "<h2>Maker / taker</h2>", _split(result),
        "<h2>Calibration</h2>", _calibration(cal),
        "<h2>One event</h2>", _ladder(result),
        "<h2>Trades</h2>", _trades(result),
    ]  # fmt: skip
    if sweep:
        rows = [(name, str(pnl), n) for name, pnl, n in sweep]
        parts += ["<h2>Sweep</h2>", _table(["parameters", "P&L after fees ($)", "fills"], rows)]
    title = html.escape(f"kalshi-tape backtest: {result.config.strategy} on {result.config.series}")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{STYLE}</style>"
        f"<script>{get_plotlyjs()}</script></head><body><h1>{title}</h1>"
        + "\n".join(parts)
        + "</body></html>\n"
    )


def write_report(
    path: Path, result: BacktestResult, sweep: Sequence[tuple[str, Decimal, int]] = ()
) -> None:
    path.write_text(render(result, sweep), encoding="utf-8")
