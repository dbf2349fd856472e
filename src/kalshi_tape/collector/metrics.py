"""Prometheus metrics of one collector (own registry, so several can live in one process).

Served on `/metrics` by `serve(port)`: messages per channel (rate() gives messages/s),
write lag, writer queue depth, spool bytes, gaps, resyncs, reconnects, and the age of
each market's last message.
"""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class CollectorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "ktape_collect_messages", "Messages received, by channel", ["channel"], registry=r
        )
        self._add_writer_metrics(r)
        self._add_fleet_metrics(r)
        self.gaps = Counter("ktape_collect_gaps", "Sequence gaps", registry=r)
        self.resyncs = Counter("ktape_collect_resyncs", "Book resyncs", registry=r)
        self.reconnects = Counter("ktape_collect_reconnects", "WebSocket reconnects", registry=r)
        self.malformed = Counter("ktape_collect_malformed", "Undecodable frames", registry=r)
        self.snapshots = Counter(
            "ktape_collect_snapshots", "Snapshots taken, by trigger", ["trigger"], registry=r
        )
        self.sweeps = Counter("ktape_collect_trade_sweeps", "REST trade sweeps done", registry=r)
        self.markets = Gauge("ktape_collect_markets", "Markets tracked", registry=r)
        self.message_age = Gauge(
            "ktape_collect_message_age_seconds",
            "Seconds since each market's last message",
            ["market"],
            registry=r,
        )
        self._last_seen: dict[str, float] = {}

    def _add_writer_metrics(self, r: CollectorRegistry) -> None:
        """The warehouse writer's side: rows, lag, queue, backpressure, spool, database."""
        self.rows_written = Counter(
            "ktape_collect_rows_written", "Rows committed to the warehouse", registry=r
        )
        self.write_lag = Histogram(
            "ktape_collect_write_lag_seconds",
            "Commit time minus receive time of the oldest row of each batch",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "ktape_collect_queue_depth", "Batches waiting for the writer", registry=r
        )
        self.backpressure = Counter(
            "ktape_collect_backpressure_waits", "Times the reader waited for the writer", registry=r
        )
        self.spool_bytes = Gauge("ktape_collect_spool_bytes", "Bytes in the spool", registry=r)
        self.spooled_batches = Counter(
            "ktape_collect_spooled_batches", "Batches written to the spool", registry=r
        )
        self.db_up = Gauge("ktape_collect_db_up", "1 when the last write succeeded", registry=r)
        self.db_up.set(1)

    def _add_fleet_metrics(self, r: CollectorRegistry) -> None:
        """A fleet member's share (collector/fleet); 0 outside a fleet."""
        self.fleet_events = Gauge(
            "ktape_collect_fleet_events", "Events this fleet member holds a lease on", registry=r
        )
        self.fleet_lost = Gauge(
            "ktape_collect_fleet_leases_lost", "Leases another member took over", registry=r
        )

    def seen(self, ticker: str, received_ns: int) -> None:
        self._last_seen[ticker] = received_ns

    def forget(self, ticker: str) -> None:
        self._last_seen.pop(ticker, None)
        with contextlib.suppress(KeyError):
            self.message_age.remove(ticker)

    def refresh_ages(self, now_ns: int) -> None:
        for ticker, last in self._last_seen.items():
            self.message_age.labels(ticker).set(max(0, now_ns - last) / 1e9)

    def status_line(self, lag_p50_s: float, lag_p99_s: float) -> str:
        """The collector's periodic one-line status: markets, messages, rows, lag, gaps."""

        def total(name: str) -> float:
            return sum(
                s.value for m in self.registry.collect() for s in m.samples if s.name == name
            )

        return (
            f"status: markets={total('ktape_collect_markets'):.0f} "
            f"messages={total('ktape_collect_messages_total'):.0f} "
            f"rows={total('ktape_collect_rows_written_total'):.0f} "
            f"lag_p50={lag_p50_s:.3f}s lag_p99={lag_p99_s:.3f}s "
            f"gaps={total('ktape_collect_gaps_total'):.0f} "
            f"reconnects={total('ktape_collect_reconnects_total'):.0f}"
        )

    def serve(self, port: int, addr: str = "127.0.0.1") -> int:
        """Start the /metrics HTTP server in a thread; returns the bound port."""
        server, _thread = start_http_server(port, addr=addr, registry=self.registry)
        return int(server.server_port)
