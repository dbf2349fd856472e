"""The collector's 30-second status line reads the same numbers as its Prometheus metrics."""

from __future__ import annotations

from kalshi_tape.collector.metrics import CollectorMetrics
from kalshi_tape.settings.collector import CollectorModel


def test_status_line_reports_markets_messages_rows_lag_and_gaps() -> None:
    metrics = CollectorMetrics()
    metrics.markets.set(12)
    metrics.messages.labels("orderbook_delta").inc(300)
    metrics.messages.labels("trade").inc(45)
    metrics.rows_written.inc(340)
    metrics.gaps.inc(2)
    line = metrics.status_line(0.0125, 0.2)
    assert line == (
        "status: markets=12 messages=345 rows=340 lag_p50=0.013s lag_p99=0.200s gaps=2 reconnects=0"
    )
    assert CollectorModel().status_every_s == 30.0
