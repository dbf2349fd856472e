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
        self._leased: set[str] = set()

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
        self.fleet_lease = Gauge(
            "ktape_collect_fleet_lease",
            "Fencing token of each event this member holds (absent when not held)",
            ["event"],
            registry=r,
        )
        self.fleet_heartbeat = Gauge(
            "ktape_collect_fleet_heartbeat_timestamp_seconds",
            "Unix time of this member's last heartbeat written to PostgreSQL",
            registry=r,
        )
        self.fleet_db_up = Gauge(
            "ktape_collect_fleet_db_up",
            "1 when the fleet's last round reached PostgreSQL",
            registry=r,
        )
        self.write_lag_p50 = Gauge(
            "ktape_collect_write_lag_p50_seconds", "Write lag p50 of the recent batches", registry=r
        )
        self.write_lag_p99 = Gauge(
            "ktape_collect_write_lag_p99_seconds", "Write lag p99 of the recent batches", registry=r
        )

    def show_fleet(self, held: dict[str, int], heartbeat_ns: int | None, db_ok: bool) -> None:
        """The fleet gauges from a member's state: what it holds, its last heartbeat."""
        for event in self._leased - held.keys():  # no longer held
            self.fleet_lease.remove(event)
        self._leased = set(held)
        for event, token in held.items():
            self.fleet_lease.labels(event).set(token)
        self.fleet_events.set(len(held))
        if heartbeat_ns is not None:
            self.fleet_heartbeat.set(heartbeat_ns / 1e9)
        self.fleet_db_up.set(1 if db_ok else 0)

    def show_lag(self, p50_s: float, p99_s: float) -> None:
        """The write lag percentiles `ktape collect status` shows, as gauges (NaN: none)."""
        self.write_lag_p50.set(p50_s)
        self.write_lag_p99.set(p99_s)

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
