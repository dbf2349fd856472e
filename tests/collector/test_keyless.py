"""`ktape collect` without a key says exactly what the run will do."""

from __future__ import annotations

from kalshi_tape.collector.cli import keyless_plan
from kalshi_tape.settings.entry import load_collector_config

SIM = "http://127.0.0.1:9/trade-api/v2"


def test_stream_without_key_names_the_refusal_and_the_poll_alternative() -> None:
    config = load_collector_config(None, env={}, flags={"series": ("KXHIGHNY",), "base_url": SIM})
    plan = keyless_plan(config)
    assert plan is not None
    assert "unsigned WebSocket" in plan and "refuses" in plan and "--poll" in plan
    assert SIM in plan and "every 10 s" in plan


def test_poll_without_key_says_what_is_polled() -> None:
    flags = {"series": ("KXHIGHNY",), "base_url": SIM, "poll": True}
    plan = keyless_plan(load_collector_config(None, env={}, flags=flags))
    assert plan is not None and plan.startswith("no API key") and "REST polling" in plan
    assert "WebSocket, which" not in plan
