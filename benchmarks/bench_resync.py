"""Resync under faults, in real time: the issue-22 acceptance run for three minutes of wall
clock (tests/collector/test_resync_acceptance.py runs the same at 4x in 45 s).

    .venv/bin/python benchmarks/bench_resync.py                 # 3 min at speed 1
    .venv/bin/python benchmarks/bench_resync.py --speed 12 --market-seconds 540

An in-process simulator (seed 22, KXHIGHNY + KXHIGHCHI, twice the collector suite's fault
rates plus resync snapshots dropped 20 % / truncated 10 %) -> `Collector.run()` -> DuckDB
in a temporary folder. Then the market is paused, every book awaited, the collector stopped
and the stored tape audited against the simulator's truth (`kalshi_tape.books.audit`).
Reports unknown % of market-time on both clocks, time out of sync, resync convergence
p50/p99/max and the escalation steps taken.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' run helpers

from tests.collector.test_resync_acceptance import collect_and_audit, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--market-seconds", type=int, default=180)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    cpu = time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench_resync_") as tmp:
        result = asyncio.run(
            collect_and_audit(
                Path(tmp), speed=args.speed, market_s=args.market_seconds, samples=args.samples
            )
        )
    cpu = time.process_time() - cpu  # simulator, collector and audit: one process
    load = os.getloadavg()
    print(f"speed {args.speed}, {args.market_seconds} market s; load {load[0]:.2f}")
    per_s = cpu / max(args.market_seconds, 1)
    print(f"CPU {cpu:.1f} s in all ({per_s:.3f} s per market second)")
    print(summary(result))
    print(
        f"mismatches {len(result.report.mismatches)}, unknown without a gaps row "
        f"{len(result.report.unexplained)}, synced at exit {result.synced_at_exit}"
    )


if __name__ == "__main__":
    main()
