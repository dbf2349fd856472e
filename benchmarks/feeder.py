"""The replay feeder as its own process (benchmarks): serves captured frames on a port.

    .venv/bin/python benchmarks/feeder.py FRAMES_FILE PASSES PORT [RATE]

FRAMES_FILE holds one captured frame per line. Prints `ready` once listening; exits when
killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from kalshi_tape.sim.replay import ReplayFeeder


async def serve(frames: list[bytes], passes: int, port: int, rate: float) -> None:
    feeder = ReplayFeeder(frames, passes=passes, rate=rate)
    async with feeder.serving(port=port):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    path, passes, port = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0  # frames/s, 0: unpaced
    asyncio.run(serve(path.read_bytes().splitlines(), passes, port, rate))
