from __future__ import annotations

import random

import pytest

from kalshi_tape.client.retry import Backoff
from kalshi_tape.client.stream.connection import ConnectionOptions

FAST_BACKOFF = Backoff(base_s=0.01, cap_s=0.1)
FAST_RECONNECT = ConnectionOptions(backoff=Backoff(base_s=0.02, cap_s=0.2), idle_timeout=5.0)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)
