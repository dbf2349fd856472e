"""Exact money: Price (dollars) and Count (contracts), and price validation against a
market's `price_ranges`, including every structure of the docs' tick table."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kalshi_tape.core.money import (
    LINEAR_CENT,
    ONE_PRICE,
    ZERO_COUNT,
    ZERO_PRICE,
    Count,
    MoneyError,
    Price,
    PriceRange,
    check_tick,
    is_valid_tick,
)
from tests.shared_data import SHARED

MIGRATION_GUIDE = (
    SHARED / "kalshi/docs_snapshot_2026-08-22/getting_started/fixed_point_migration.md"
)


def _structures() -> dict[str, tuple[PriceRange, ...]]:
    """The tick table of fixed_point_migration.md: structure -> bands."""
    structures: dict[str, list[PriceRange]] = {}
    name = ""
    row = re.compile(r"^\|\s*(`(\w+)`)?\s*\|\s*\\\$([\d.]+) – \\\$([\d.]+)\s*\|\s*\\\$([\d.]+)")
    for line in MIGRATION_GUIDE.read_text().splitlines():
        match = row.match(line)
        if match:
            name = match.group(2) or name
            start, end, step = (Price(match.group(i)) for i in (3, 4, 5))
            structures.setdefault(name, []).append(PriceRange(start, end, step))
    return {key: tuple(bands) for key, bands in structures.items()}


STRUCTURES = _structures()


def _ranges(*bands: tuple[str, str, str]) -> tuple[PriceRange, ...]:
    return tuple(PriceRange(Price(a), Price(b), Price(s)) for a, b, s in bands)


# --------------------------------------------------------------------------- Price


def test_price_from_dollar_strings_is_exact() -> None:
    assert Price("0.0300").cents == 3
    assert Price("0.0300") == Price.from_cents(3) == Decimal("0.03")
    assert str(Price("0.960")) == "0.9600"  # era-B 3-dp strings normalise to 4 dp
    assert str(Price("0.1630")) == "0.1630"
    assert Price("0.1630").cents == Decimal("16.30")
    assert str(Price("0.123456")) == "0.123456"  # up to 6 dp where the spec allows
    assert str(Price("0.12345")) == "0.123450"  # 5 dp is shown with 6
    assert str(Price("1")) == "1.0000" and str(Price("0")) == "0.0000"


def test_subpenny_doc_example_legacy_cents_equal_dollars() -> None:
    # getting_started/subpenny_pricing.md: {"price": 12, "price_dollars": "0.1200"}
    assert Price.from_cents(12) == Price("0.1200")
    assert Price.from_cents(12).wire == "0.1200"


def test_price_probability_and_complement() -> None:
    price = Price("0.4200")
    assert price.probability == pytest.approx(0.42)
    assert isinstance(price.probability, float)
    assert price.complement() == Price("0.58")
    assert isinstance(price.complement(), Price)
    assert Price("0.0001").complement() == Price("0.9999")
    assert Price("0") == ZERO_PRICE and Price("1") == ONE_PRICE
    assert repr(Price("0.5")) == "Price('0.5000')"


def test_price_is_a_hashable_decimal() -> None:
    assert {Price("0.5"): 1}[Price("0.500000")] == 1
    assert isinstance(Price("0.5"), Decimal)
    assert Price("0.5") + Price("0.25") == Decimal("0.75")


@pytest.mark.parametrize(
    "bad",
    [
        "1.0001",
        "-0.01",
        "0.1234567",
        "abc",
        "",
        "NaN",
        "Infinity",
        "1e-2",
        " 0.5",
        "0.5 ",
        "0_5",
        "+0.5",
        "٠.٥",
        ".5",
        "5.",
        "0x1",
    ],
)
def test_price_rejects_non_plain_or_out_of_range_text(bad: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Price(bad)
    assert caught.value.kind == "price" and caught.value.value == bad


@pytest.mark.parametrize("bad", [0.5, True, None, Decimal("NaN"), Decimal("0.1234567"), 2])
def test_price_rejects_floats_bools_and_inexact_values(bad: object) -> None:
    with pytest.raises(MoneyError):
        Price(bad)  # type: ignore[arg-type]


def test_price_from_cents_rejects_non_integers() -> None:
    for bad in (3.0, True, "3", 101, -1):
        with pytest.raises(MoneyError):
            Price.from_cents(bad)  # type: ignore[arg-type]


def test_negative_zero_is_zero() -> None:
    assert str(Price(Decimal("-0"))) == "0.0000"
    assert str(Count("-0.00")) == "0.00"


# --------------------------------------------------------------------------- Count


def test_count_is_exact_to_hundredths() -> None:
    assert str(Count("531.10")) == "531.10"
    assert Count("531.10") == Decimal("531.1")
    assert Count(13) == Count("13.00") and str(Count(13)) == "13.00"
    assert str(Count("10")) == "10.00"  # requests may send 0-2 dp
    assert Count("-54.00") == -54  # deltas are signed
    assert repr(Count("1.5")) == "Count('1.50')"
    assert ZERO_COUNT == 0
    assert Count("1.55") * 100 == 155  # the docs' integer-arithmetic advice holds


@pytest.mark.parametrize("bad", ["10.001", "1e3", "abc", "", " 1.00", "1_000.00", "9" * 40])
def test_count_rejects_bad_text(bad: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Count(bad)
    assert caught.value.kind == "count"


@pytest.mark.parametrize("bad", [1.5, False, None, Decimal("0.001"), Decimal("Infinity")])
def test_count_rejects_floats_and_inexact_values(bad: object) -> None:
    with pytest.raises(MoneyError):
        Count(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- price_ranges


def test_docs_tick_table_was_read() -> None:
    assert {"linear_cent", "deci_cent", "tapered_deci_cent"} <= set(STRUCTURES)
    assert "center_deci_edge_centi_cent" in STRUCTURES
    assert len(STRUCTURES) >= 12
    assert STRUCTURES["linear_cent"] == LINEAR_CENT


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_whole_cent_prices_are_valid_in_every_structure(name: str) -> None:
    ranges = STRUCTURES[name]
    assert all(is_valid_tick(Price.from_cents(c), ranges) for c in range(101))
    assert not is_valid_tick(Price("0.50005"), ranges)  # finer than any grid


@pytest.mark.parametrize(
    ("name", "valid", "invalid"),
    [
        ("linear_cent", ["0.4200", "0.0100"], ["0.4250", "0.0010", "0.0001"]),
        ("deci_cent", ["0.4250", "0.0010", "0.999"], ["0.4255", "0.0001"]),
        ("tapered_deci_cent", ["0.0550", "0.955", "0.1000", "0.9000"], ["0.5550", "0.0555"]),
        ("center_centi_edge_centi_cent", ["0.5001", "0.0001"], ["0.50005"]),
        ("center_deci_edge_centi_cent", ["0.0055", "0.9955", "0.501"], ["0.5005", "0.0105"]),
        ("center_half_edge_half_cent", ["0.005", "0.995"], ["0.002", "0.501"]),
        ("center_whole_edge_quint_cent", ["0.002", "0.998"], ["0.502", "0.001"]),
    ],
)
def test_sub_penny_structures(name: str, valid: list[str], invalid: list[str]) -> None:
    ranges = STRUCTURES[name]
    for text in valid:
        assert check_tick(Price(text), ranges) == Price(text)
    for text in invalid:
        assert not is_valid_tick(Price(text), ranges), text
        with pytest.raises(MoneyError):
            check_tick(Price(text), ranges)


def test_real_linear_cent_market_ranges() -> None:
    # price_ranges of the real KXHIGHNY-26JUN02 capture
    ranges = _ranges(("0.0000", "1.0000", "0.0100"))
    assert check_tick(Price("0.0300"), ranges)
    assert not is_valid_tick(Price("0.0350"), ranges)


def test_default_and_empty_ranges_mean_linear_cent() -> None:
    assert is_valid_tick(Price("0.42")) and not is_valid_tick(Price("0.425"))
    assert is_valid_tick(Price("0.42"), ()) and not is_valid_tick(Price("0.425"), ())


def test_bands_are_validated() -> None:
    with pytest.raises(MoneyError):
        PriceRange(Price("0"), Price("1"), Price("0"))
    with pytest.raises(MoneyError):
        PriceRange(Price("0.9"), Price("0.1"), Price("0.01"))
