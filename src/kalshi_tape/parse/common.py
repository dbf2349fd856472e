"""What every parser shares: guarded decoding into wire structs (`ParseError` naming the
field path), exact price and count fields with their caches, and small field helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar, cast

import msgspec

from kalshi_tape import wire as w
from kalshi_tape.core.domain import Side
from kalshi_tape.core.errors import ParseError
from kalshi_tape.core.money import Count, MoneyError, Price, PriceRange, count_from_wire
from kalshi_tape.core.timeparse import iso_time

Json = bytes | str
P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
DecimalOrNone = TypeVar("DecimalOrNone", bound=Decimal | None)
E = TypeVar("E", bound=Decimal)
K = TypeVar("K", str, int)
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decode(data: Json | msgspec.Raw, kind: type[S], where: str) -> S:
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    try:
        return cast(S, decoder.decode(data))
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = message.rsplit(" - at `", 1)[-1].rstrip("`") if " - at `" in message else "$"
        raise ParseError(where + path.removeprefix("$"), message.split(" - at ")[0]) from None
    except msgspec.DecodeError as exc:
        raise ParseError(where, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ParseError(where, "JSON nested too deeply") from None
    except UnicodeDecodeError:
        raise ParseError(where, "invalid UTF-8 in a string") from None
    except TypeError:
        raise ParseError(where, "expected JSON as bytes or str", type(data).__name__) from None


def _guarded(where: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn stray exceptions inside a parse function into ParseError at `where`."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ParseError:
                raise
            except MoneyError as exc:
                raise ParseError(where, str(exc), exc.value) from None
            except (ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
                raise ParseError(where, f"{type(exc).__name__}: {exc}") from None

        return inner

    return wrap


def _exact_field(
    cache: dict[str, E], from_text: Callable[[str], E], from_number: Callable[[int], E]
) -> Callable[[str, str | None, int | str | None], E | None]:
    """A field parser: the exact string (cached) first, else the number (or a historical
    string in its place); a bad value is a ParseError at the field's path."""

    def parse_field(path: str, text: str | None, number: int | str | None) -> E | None:
        try:
            if text is not None:
                cached = cache.get(text)
                return cached if cached is not None else from_text(text)
            if number is None:
                return None
            if isinstance(number, str):
                return from_text(number)
            return from_number(number)
        except MoneyError as exc:
            raise ParseError(path, exc.reason, exc.value) from None

    return parse_field


def _finite(path: str, value: DecimalOrNone) -> DecimalOrNone:
    """A JSON number as Decimal; NaN and infinities (accepted by msgspec) are rejected."""
    if value is not None and not value.is_finite():
        raise ParseError(path, "not a finite number", str(value))
    return value


def _raw_bytes(raw: msgspec.Raw | Json) -> bytes:
    if isinstance(raw, str):
        return raw.encode()
    return bytes(raw)


def _required(path: str, value: R | None) -> R:
    if value is None:
        raise ParseError(path, "missing")
    return value


# Small caches: the set of distinct price and size strings on a feed is small, and this
# keeps Decimal construction off the hot path. Bounded so hostile input cannot grow them.
_CACHE_LIMIT = 50_000


def _cached(make: Callable[[K], E], key_type: type[K]) -> tuple[dict[K, E], Callable[[K], E]]:
    """A bounded cache of `make` and the constructor that fills it (uncached for keys that
    are not exactly `key_type`, e.g. bool for int)."""
    cache: dict[K, E] = {}

    def construct(key: K) -> E:
        cached = cache.get(key) if type(key) is key_type else None
        if cached is not None:
            return cached
        value = make(key)
        if len(cache) < _CACHE_LIMIT:
            cache[key] = value
        return value

    return cache, construct


PRICE_CACHE, _price_from_text = _cached(Price, str)
COUNT_CACHE, count_from_text = _cached(count_from_wire, str)
_INT_COUNT_CACHE, _count_from_int = _cached(Count, int)
_CENT_PRICES = tuple(Price.from_cents(cents) for cents in range(101))


def _price_from_cents(cents: int) -> Price:
    if type(cents) is int and 0 <= cents <= 100:
        return _CENT_PRICES[cents]
    return Price.from_cents(cents)


price_field = _exact_field(PRICE_CACHE, _price_from_text, _price_from_cents)
"""Price from the exact dollar string, else from integer cents (or a historical string)."""
count_field = _exact_field(COUNT_CACHE, count_from_text, _count_from_int)
"""Count from the exact fp string, else from the integer (or a historical string)."""


def _blank_to_none(value: str | None) -> str | None:
    return value if value else None


def _side(path: str, value: str | None) -> Side | None:
    if value is None or value == "":
        return None
    if value not in ("yes", "no"):
        raise ParseError(path, "expected 'yes' or 'no'", value)
    return cast(Side, value)


def _book_side_to_outcome(value: str | None) -> Side | None:
    """`taker_book_side` bid means the taker bought YES; ask means NO."""
    return {"bid": "yes", "ask": "no"}.get(value or "")  # type: ignore[return-value]


def _ranges(path: str, ranges: list[w.WPriceRange] | None) -> tuple[PriceRange, ...]:
    if not ranges:
        return ()
    try:
        return tuple(PriceRange(Price(r.start), Price(r.end), Price(r.step)) for r in ranges)
    except MoneyError as exc:
        raise ParseError(path, exc.reason, exc.value) from None


def _ms_from_rfc3339(path: str, text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(iso_time(text).timestamp() * 1000)
    except ValueError:
        raise ParseError(path, "not an RFC3339 time", text) from None
