"""What every REST route group shares: Kalshi's error body, query parameter parsing,
opaque cursors, and `RestBase` (the exchange, the era's encoder, the settled-market cache)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import Encoder, encode, raw
from kalshi_tape.sim.exchange import Exchange, MarketState
from kalshi_tape.sim.generator import EventSpec, MarketSpec

REST_PREFIX = "/trade-api/v2"
STATUS_FILTERS = {
    "unopened": ("initialized",),
    "open": ("active",),
    "paused": ("inactive",),
    "closed": ("closed", "determined"),
    "settled": ("finalized",),
}
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


class ApiFailure(Exception):
    """Raised by handlers; rendered as Kalshi's error body."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: str = "") -> Response:
    body = w.WErrorResponse(
        error=w.WErrorDetail(code=code, message=message, details=details or None)
    )
    return Response(encode(body), status, media_type="application/json")


def bad_request(details: str) -> ApiFailure:
    return ApiFailure(400, "invalid_parameters", "invalid parameters", details)


def not_found(what: str) -> ApiFailure:
    return ApiFailure(404, "not_found", "not found", what)


def json_response(obj: object) -> Response:
    return Response(encode(obj), media_type="application/json")


class Params:
    def __init__(self, request: Request) -> None:
        self.q = request.query_params

    def text(self, name: str) -> str | None:
        value = self.q.get(name)
        return value if value else None

    def choice(self, name: str, options: Iterable[str]) -> str | None:
        """The parameter if given, which must then be one of `options` (else a 400)."""
        value, allowed = self.text(name), tuple(options)
        if value is not None and value not in allowed:
            raise bad_request(f"{name} must be one of {', '.join(allowed)}")
        return value

    def integer(self, name: str, lo: int | None = None, hi: int | None = None) -> int | None:
        value = self.q.get(name)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except ValueError:
            raise bad_request(f"{name} must be an integer") from None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise bad_request(f"{name} must be between {lo} and {hi}")
        return number

    def required_int(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is required")
        return value

    def boolean(self, name: str) -> bool:
        value = self.q.get(name)
        if value is None or value == "":
            return False
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0"):
            return False
        raise bad_request(f"{name} must be a boolean")

    def csv(self, name: str) -> list[str] | None:
        values = [v for raw_v in self.q.getlist(name) for v in raw_v.split(",") if v]
        return values or None

    def limit(self, hi: int, default: int, lo: int = 0) -> int:
        value = self.integer("limit", lo, hi)
        return value if value else default

    def cursor(self, *kinds: Callable[[str], Any]) -> tuple[Any, ...] | None:
        """The `cursor` parameter as a key, part i converted by kinds[i]; a cursor that
        does not decode to that shape is a 400."""
        parts = decode_cursor(self.text("cursor"), len(kinds))
        if parts is None:
            return None
        try:
            return tuple(kind(part) for kind, part in zip(kinds, parts, strict=True))
        except ValueError:
            raise bad_request("invalid cursor") from None


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode("|".join(map(str, parts)).encode()).decode()


def cursor_page(
    items: Iterable[T],
    key: Callable[[T], tuple[Any, ...]],
    after: tuple[Any, ...] | None,
    keep: Callable[[T], bool],
    limit: int,
) -> tuple[list[T], str]:
    """The first `limit` items (in `key` order) past the cursor key `after` that `keep`
    accepts, and the cursor of the next page ("" when this is the last)."""
    page: list[T] = []
    for item in items:
        if after is not None and key(item) <= after:
            continue
        if not keep(item):
            continue
        if len(page) == limit:
            return page, encode_cursor(*key(page[-1]))
        page.append(item)
    return page, ""


def decode_cursor(cursor: str | None, arity: int) -> list[str] | None:
    if not cursor:
        return None
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("invalid cursor") from None
    if len(parts) != arity:
        raise bad_request("invalid cursor")
    return parts


class RestBase:
    """The state every route group works on; handlers raise `ApiFailure` for errors."""

    def __init__(self, exchange: Exchange) -> None:
        self.ex = exchange
        self.enc = Encoder(exchange.config.wire_era)
        self._static_markets: dict[str, msgspec.Raw] = {}

    def _wrap(self, fn: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                self.ex.sync()
                return await fn(request)
            except ApiFailure as exc:
                return error_response(exc.status, exc.code, exc.message, exc.details)

        return endpoint

    def _state(self, spec: EventSpec, market: MarketSpec) -> MarketState:
        return self.ex.state(spec, market)

    def _market_raw(self, spec: EventSpec, market: MarketSpec) -> msgspec.Raw:
        """Encoded market; cached once it can no longer change (settled, and a day past close
        so the 24 h volume and previous-day quotes are final)."""
        cached = self._static_markets.get(market.ticker)
        if cached is not None:
            return cached
        encoded = raw(self.enc.market(self._state(spec, market)))
        if self.ex.now_s >= max(spec.settlement_ts, spec.close_ts + 86400):
            self._static_markets[market.ticker] = encoded
        return encoded

    def _live_market(self, ticker: str) -> tuple[EventSpec, MarketSpec]:
        found = self.ex.find_market(ticker)
        if found is None or self.ex.is_historical(found[0]):
            raise not_found(f"market {ticker}")
        return found

    def _historical_market(self, ticker: str) -> tuple[EventSpec, MarketSpec]:
        found = self.ex.find_market(ticker)
        if found is None or not self.ex.is_historical(found[0]):
            raise not_found(f"market {ticker}")
        return found
