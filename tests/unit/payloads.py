"""Valid payloads of every parse function, from tests/data (eras/*.json and payloads.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"

_ERA_KINDS = {
    "parse_trades_page": ["trades_page"],
    "parse_market_candlesticks": ["market_candlesticks"],
    "parse_historical_candlesticks": ["historical_candlesticks"],
    "parse_orderbook": ["orderbook", "orderbook_one_side_empty", "orderbook_empty"],
    "parse_stream_message": [
        "ws_orderbook_snapshot",
        "ws_orderbook_delta",
        "ws_ticker",
        "ws_trade",
    ],
}


def era_variants(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "eras" / f"{kind}.json").read_text())
    return data


def base_payloads() -> dict[str, list[Any]]:
    """parse function name -> valid JSON documents for it."""
    payloads: dict[str, list[Any]] = json.loads((DATA / "payloads.json").read_text())
    payloads["parse_market"] = [{"market": m} for m in era_variants("market").values()]
    for name, kinds in _ERA_KINDS.items():
        docs = [doc for kind in kinds for doc in era_variants(kind).values()]
        payloads.setdefault(name, []).extend(docs)
    return payloads
