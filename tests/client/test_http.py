"""The request path with cases the simulator cannot produce (timeouts, odd bodies),
driven through httpx.MockTransport; the rest is tested against the simulator."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from kalshi_tape.client.http import HttpCore
from kalshi_tape.client.ratelimit import NoLimit
from kalshi_tape.client.retry import Backoff
from kalshi_tape.core.clock import ManualClock
from kalshi_tape.core.errors import ApiError, AuthError, NotFound, ServerError, TransportError

FAST = Backoff(base_s=0.001, cap_s=0.002)


def _core(handler: httpx.MockTransport, clock: ManualClock | None = None, **kw: object) -> HttpCore:
    return HttpCore(
        "http://sim.test/trade-api/v2",
        signer=None,
        limiter=NoLimit(),
        clock=clock or ManualClock(),
        rng=random.Random(1),
        transport=handler,
        backoff=FAST,
        **kw,  # type: ignore[arg-type]
    )


async def test_timeouts_and_5xx_are_retried_then_succeed() -> None:
    answers = iter(["timeout", "connect", 503, 200])

    def handle(request: httpx.Request) -> httpx.Response:
        step = next(answers)
        if step == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if step == "connect":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(step, json={"ok": True})

    core = _core(httpx.MockTransport(handle))
    assert await core.get("/exchange/status") == b'{"ok":true}'
    assert core.stats.requests == 4
    assert core.stats.retries == 3
    assert core.stats.transport_errors == 2
    assert core.stats.responses_by_status == {503: 1, 200: 1}


async def test_retries_are_bounded() -> None:
    core = _core(httpx.MockTransport(lambda r: httpx.Response(500, text="boom")), max_retries=2)
    with pytest.raises(ServerError, match="HTTP 500"):
        await core.get("/markets")
    assert core.stats.requests == 3


async def test_timeouts_exhausted_raise_transport_error() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    core = _core(httpx.MockTransport(handle), max_retries=1)
    with pytest.raises(TransportError, match="GET /markets: timed out"):
        await core.get("/markets")


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (404, {"error": {"code": "not_found", "message": "market not found"}}, NotFound, "market"),
        (400, {"code": "bad_request", "message": "limit too big"}, ApiError, "limit too big"),
        (418, "not json", ApiError, "not json"),
    ],
)
async def test_client_errors_are_typed_and_not_retried(
    status: int, body: object, kind: type[ApiError], text: str
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    core = _core(httpx.MockTransport(handle))
    with pytest.raises(kind, match=text) as info:
        await core.get("/markets/X")
    assert info.value.status == status
    assert core.stats.requests == 1


async def test_auth_error_names_clock_skew_from_the_date_header() -> None:
    server_now = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    clock = ManualClock(start_ns=int(server_now.timestamp() * 1e9) + 600 * 10**9)

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"date": format_datetime(server_now, usegmt=True)}
        return httpx.Response(401, json={"error": {"code": "unauthorized"}}, headers=headers)

    core = _core(httpx.MockTransport(handle), clock=clock)
    core.signed = True
    with pytest.raises(AuthError, match=r"\+600 s off.*clock skew"):
        await core.get("/markets")


def test_backoff_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    backoff = Backoff(base_s=0.5, cap_s=4.0)
    delays = [backoff.delay(attempt, rng) for attempt in range(10)]
    assert all(0.25 <= d <= 4.0 for d in delays)
    assert max(delays[5:]) <= 4.0 and min(delays[5:]) >= 2.0
    assert len(set(delays)) == len(delays)
