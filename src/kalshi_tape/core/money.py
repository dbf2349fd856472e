"""Exact money: `Price` in dollars and `Count` in contracts, never through float on the way in.

Kalshi sends prices three ways over time: integer cents (era A), cents plus
`*_dollars` strings (era B) and `*_dollars` strings only (era C). Prices carry
4 decimals (up to 6 in some portfolio fields); counts carry 2 (`"531.10"`).
Both types are `Decimal` subclasses: exact, hashable, and understood natively by
DuckDB, psycopg and Arrow. Arithmetic on them returns plain `Decimal`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

PRICE_PLACES = 4
PRICE_MAX_PLACES = 6
COUNT_PLACES = 2

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
_PRICE_QUANTUM = Decimal("0.0001")
_COUNT_QUANTUM = Decimal("0.01")
_MICRO_QUANTUM = Decimal("0.000001")
# The wire writes plain decimals: no exponent, whitespace, underscores or non-ASCII digits,
# all of which `Decimal()` would otherwise accept.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Canonical wire forms, already exact: the fast path skips quantizing them.
_CANONICAL_PRICE = re.compile(r"0\.[0-9]{4}|1\.0000")
_CANONICAL_COUNT = re.compile(r"-?[0-9]{1,20}\.[0-9]{2}")


class MoneyError(ValueError):
    """A price or count that is not exact, not finite or out of range."""

    def __init__(self, kind: str, value: object, reason: str) -> None:
        super().__init__(f"invalid {kind} {value!r}: {reason}")
        self.kind = kind
        self.value = value
        self.reason = reason


def _exact_decimal(kind: str, text: str, max_places: int) -> Decimal:
    if type(text) is not str:
        raise MoneyError(kind, text, "expected a decimal string")
    if _PLAIN_DECIMAL.fullmatch(text) is None:
        raise MoneyError(kind, text, "not a plain decimal number")
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > max_places and value != _quantize(kind, value, Decimal(1).scaleb(-max_places)):
        raise MoneyError(kind, text, f"more than {max_places} decimal places")
    return value


def _quantize(kind: str, value: Decimal, quantum: Decimal) -> Decimal:
    """`value.quantize(quantum)`, as a MoneyError when the value has too many digits."""
    try:
        return value.quantize(quantum)
    except InvalidOperation:
        raise MoneyError(kind, str(value), "too many digits") from None


class Price(Decimal):
    """A YES/NO price in dollars, 0 <= p <= 1, exact to 1e-6 $."""

    __slots__ = ()

    def __new__(cls, value: str | int | Decimal = "0") -> Price:
        if type(value) is str and _CANONICAL_PRICE.fullmatch(value):
            return Decimal.__new__(cls, value)
        dec = _exact_decimal("price", value, PRICE_MAX_PLACES) if isinstance(value, str) else None
        if dec is None:
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                raise MoneyError("price", value, "expected a dollar string or Decimal")
            dec = Decimal(value)
            if not dec.is_finite() or dec != _quantize("price", dec, _MICRO_QUANTUM):
                raise MoneyError("price", value, "more than 6 decimal places")
        if dec < _ZERO or dec > _ONE:
            raise MoneyError("price", value, "outside 0..1 dollars")
        canonical = dec.quantize(_PRICE_QUANTUM if _places(dec) <= 4 else _MICRO_QUANTUM)
        return super().__new__(cls, canonical.copy_abs())  # copy_abs: "-0" becomes "0"

    @classmethod
    def parse(cls, text: str) -> Price:
        """A `*_dollars` string such as `"0.0300"` or `"0.960"`."""
        return cls(text)

    @classmethod
    def from_cents(cls, cents: int) -> Price:
        """An era-A integer-cent price such as `3`."""
        if isinstance(cents, bool) or not isinstance(cents, int):
            raise MoneyError("price", cents, "expected integer cents")
        return cls(Decimal(cents) * _CENT)

    @property
    def cents(self) -> Decimal:
        """The price in cents (exact; fractional for sub-penny prices)."""
        return Decimal(self) * 100

    @property
    def probability(self) -> float:
        """A float for analytics only; never store it."""
        return float(self)

    def complement(self) -> Price:
        """The other side's price: 1 - p."""
        return Price(_ONE - self)

    @property
    def wire(self) -> str:
        """The canonical dollar string: 4 decimals, 6 when the price needs them."""
        return str(self)

    def __repr__(self) -> str:
        return f"Price('{self}')"


class Count(Decimal):
    """A number of contracts, exact to 0.01 (fractional trading)."""

    __slots__ = ()

    def __new__(cls, value: str | int | Decimal = "0") -> Count:
        if type(value) is str and _CANONICAL_COUNT.fullmatch(value) and value != "-0.00":
            return Decimal.__new__(cls, value)  # not super(): this is the hot path
        if isinstance(value, str):
            dec = _exact_decimal("count", value, COUNT_PLACES)
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            dec = Decimal(value)
            if not dec.is_finite() or dec != _quantize("count", dec, _COUNT_QUANTUM):
                raise MoneyError("count", value, "more than 2 decimal places")
        else:
            raise MoneyError("count", value, "expected an fp string or integer")
        dec = _quantize("count", dec, _COUNT_QUANTUM)
        return super().__new__(cls, dec.copy_abs() if dec.is_zero() else dec)

    @classmethod
    def parse(cls, text: str) -> Count:
        """A `*_fp` string such as `"531.10"`."""
        return cls(text)

    @property
    def wire(self) -> str:
        """The canonical fp string with 2 decimals."""
        return str(self)

    def __repr__(self) -> str:
        return f"Count('{self}')"


_canonical_count = _CANONICAL_COUNT.fullmatch
_new_decimal = Decimal.__new__


def count_from_wire(text: str) -> Count:
    """`Count(text)` without the constructor's call overhead for the canonical fp form
    (`"-12.50"`): the feed's path for sizes its cache does not hold."""
    if type(text) is str and _canonical_count(text) and text != "-0.00":
        return _new_decimal(Count, text)
    return Count(text)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


ZERO_PRICE = Price("0")
ONE_PRICE = Price("1")
ZERO_COUNT = Count("0")


@dataclass(frozen=True, slots=True)
class PriceRange:
    """One band of a market's `price_ranges`: valid prices are start + k*step up to end."""

    start: Price
    end: Price
    step: Price

    def __post_init__(self) -> None:
        if self.step <= 0 or self.start > self.end:
            raise MoneyError("price range", f"{self.start}-{self.end}/{self.step}", "empty band")

    def contains(self, price: Price) -> bool:
        return self.start <= price <= self.end and (price - self.start) % self.step == 0


LINEAR_CENT = (PriceRange(Price("0"), Price("1"), Price("0.01")),)


def is_valid_tick(price: Price, ranges: Sequence[PriceRange] = LINEAR_CENT) -> bool:
    """Whether `price` lies on the tick grid of a market's `price_ranges`.

    Empty ranges (markets recorded before Kalshi sent `price_ranges`) mean linear_cent.
    """
    return any(band.contains(price) for band in ranges or LINEAR_CENT)


def check_tick(price: Price, ranges: Sequence[PriceRange] = LINEAR_CENT) -> Price:
    """Return `price`, or raise `MoneyError` when it is off the market's tick grid."""
    if not is_valid_tick(price, ranges):
        raise MoneyError("price", str(price), "off the market's price_ranges grid")
    return price
