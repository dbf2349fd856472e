"""Property tests: exact round trips of price and count strings, and that no input at all
makes a parse function raise anything but `ParseError`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tape import parse
from kalshi_tape.core.errors import ParseError
from kalshi_tape.core.money import Count, MoneyError, Price
from tests.unit.payloads import base_payloads

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PAYLOADS = base_payloads()
PARSERS: dict[str, Callable[[bytes], Any]] = {name: getattr(parse, name) for name in PAYLOADS}

# --------------------------------------------------------------------------- round trips


def _price_text(units: int, places: int) -> str:
    whole, frac = divmod(units, 10**places)
    return f"{whole}.{frac:0{places}d}"


@FAST
@given(st.integers(0, 10_000))
def test_canonical_4dp_price_round_trips(units: int) -> None:
    text = _price_text(units, 4)
    price = Price(text)
    assert str(price) == text == price.wire == str(Price(Decimal(text)))  # fast == slow path
    assert price.cents == Decimal(units) / 100
    assert Price(str(price)) == price


@FAST
@given(st.integers(0, 1_000_000).filter(lambda n: n % 100 != 0))
def test_canonical_6dp_price_round_trips(units: int) -> None:
    text = _price_text(units, 6)
    assert str(Price(text)) == text
    assert str(Price(Decimal(text))) == text


@FAST
@given(st.integers(0, 100))
def test_cents_to_price_is_exact(cents: int) -> None:
    price = Price.from_cents(cents)
    assert price.cents == cents
    assert str(price) == _price_text(cents * 100, 4)
    assert price + price.complement() == 1


@FAST
@given(st.integers(-(10**13), 10**13))
def test_canonical_count_round_trips(hundredths: int) -> None:
    sign = "-" if hundredths < 0 else ""
    text = sign + _price_text(abs(hundredths), 2)
    count = Count(text)
    assert str(count) == text == count.wire == str(Count(Decimal(text)))  # fast == slow path
    assert count * 100 == hundredths


@FAST
@given(st.integers(0, 10_000), st.integers(0, 2))
def test_equal_prices_of_any_width_share_one_canonical_string(units: int, extra: int) -> None:
    """'0.42', '0.420', '0.4200' and '0.420000' are one price with one wire string."""
    text = _price_text(units, 4)
    wider = text + "0" * extra
    narrow = text.rstrip("0").rstrip(".") if "." in text else text
    assert Price(wider) == Price(narrow) == Price(text)
    assert str(Price(wider)) == str(Price(narrow)) == text
    assert hash(Price(wider)) == hash(Price(text))


@FAST
@given(st.text(max_size=30))
def test_any_text_is_a_price_or_a_money_error(text: str) -> None:
    for kind in (Price, Count):
        try:
            value = kind(text)
        except MoneyError:
            continue
        assert kind(str(value)) == value


@FAST
@given(st.from_regex(r"\A-?[0-9]{1,40}(\.[0-9]{1,12})?\Z"))
def test_any_plain_decimal_is_a_count_or_a_money_error(text: str) -> None:
    whole, _, frac = text.lstrip("-").partition(".")
    too_precise = len(frac.rstrip("0")) > 2
    too_long = len(whole.lstrip("0")) + 2 > 28  # Decimal's default 28 significant digits
    try:
        count = Count(text)
    except MoneyError:
        assert too_precise or too_long
        return
    assert not (too_precise or too_long)
    assert count == Decimal(text)


# --------------------------------------------------------------------------- fuzzing

_numbers = st.integers() | st.floats(allow_nan=False, allow_infinity=False)
_strings = (
    st.text(max_size=12)
    | st.sampled_from(["yes", "no", "bid", "ask", "", "NaN", "Infinity", "-0", "1e400"])
    | st.from_regex(r"\A-?[0-9]{1,3}\.[0-9]{0,8}\Z")
    | st.sampled_from(["2026-06-01T09:30:49Z", "2026-06-01T09:30:49", "2026-13-01T00:00:00Z"])
)
JSON = st.recursive(
    st.none() | st.booleans() | _numbers | _strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_strings, inner, max_size=4),
    max_leaves=12,
)


def _locations(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _locations(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _locations(value, (*prefix, index))


def _replaced(doc: Any, where: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not where:
        return value
    doc = copy.deepcopy(doc)
    parent = doc
    for step in where[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return doc


def _only_parse_errors(name: str, data: bytes | str) -> None:
    try:
        PARSERS[name](data)  # type: ignore[arg-type]
    except ParseError as exc:
        assert exc.path
    # any other exception propagates and fails the test


NAMES = sorted(PARSERS)


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_arbitrary_json_in_any_field_raises_only_parse_error(name: str, data: Any) -> None:
    doc = data.draw(st.sampled_from(PAYLOADS[name]), label="payload")
    where = data.draw(st.sampled_from(list(_locations(doc))), label="field")
    value = data.draw(JSON, label="value")
    delete = data.draw(st.booleans(), label="delete")
    _only_parse_errors(name, json.dumps(_replaced(doc, where, value, delete)).encode())


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(doc=JSON)
def test_arbitrary_json_document_raises_only_parse_error(name: str, doc: Any) -> None:
    _only_parse_errors(name, json.dumps(doc).encode())


@pytest.mark.parametrize("name", NAMES)
@FUZZ
@given(data=st.data())
def test_truncated_or_corrupted_bytes_raise_only_parse_error(name: str, data: Any) -> None:
    body = json.dumps(data.draw(st.sampled_from(PAYLOADS[name]))).encode()
    cut = data.draw(st.integers(0, len(body)))
    junk = data.draw(st.binary(max_size=8))
    at = data.draw(st.integers(0, len(body)))
    _only_parse_errors(name, body[:cut])
    _only_parse_errors(name, body[:at] + junk + body[at:])


@FUZZ
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_garbage_is_a_parse_error(data: bytes | str) -> None:
    for name in NAMES:
        _only_parse_errors(name, data)


@pytest.mark.parametrize("name", NAMES)
def test_hostile_inputs(name: str) -> None:
    deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
    for data in (deep, b"[" * 5000, b"", b"null", b"\xff\xfe", "{}", b"1e999999"):
        _only_parse_errors(name, data)
    for wrong_type in (None, 5, {"market": {}}, ["x"]):
        with pytest.raises(ParseError):
            PARSERS[name](wrong_type)  # type: ignore[arg-type]


@FAST
@given(st.binary(max_size=64) | st.text(max_size=64))
def test_error_body_parser_never_raises(data: bytes | str) -> None:
    code, message = parse.parse_error_body(data)
    assert isinstance(code, str) and isinstance(message, str)


@pytest.mark.parametrize(
    "body", [b'{"error":"\xff"}', b'{"code":"\xff","message":"m"}', b'{"x":' * 5000]
)
def test_error_body_parser_survives_bad_utf8_and_nesting(body: bytes) -> None:
    code, message = parse.parse_error_body(body)
    assert code == "" and len(message) <= 200


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("yes_bid_dollars", "0.5.0", "market.yes_bid"),
        ("yes_bid_dollars", "1.0001", "market.yes_bid"),
        ("volume_fp", "1" * 40, "market.volume"),
        ("volume_fp", "10.001", "market.volume"),
        ("floor_strike", "NaN", "market.floor_strike"),
        ("cap_strike", "Infinity", "market.cap_strike"),
        ("notional_value_dollars", "abc", "market.notional_value_dollars"),
        ("close_time", "2026-06-03T04:59:00", "market.close_time"),
        ("price_ranges", [{"start": "0", "end": "1", "step": "0"}], "market.price_ranges"),
    ],
)
def test_parse_error_names_the_field(field: str, value: Any, path: str) -> None:
    market = dict(PAYLOADS["parse_market"][-1]["market"], **{field: value})
    with pytest.raises(ParseError) as caught:
        parse.parse_market(json.dumps({"market": market}).encode())
    assert caught.value.path == path


def test_stream_error_names_the_field() -> None:
    frame = {
        "type": "orderbook_delta",
        "sid": 1,
        "seq": 1,
        "msg": {"market_ticker": "X", "side": "maybe", "price_dollars": "0.5", "delta_fp": "1"},
    }
    with pytest.raises(ParseError) as caught:
        parse.parse_stream_message(json.dumps(frame).encode())
    assert caught.value.path == "msg.side"
    frame["msg"] = {**frame["msg"], "side": "yes", "delta_fp": "9" * 40}  # type: ignore[dict-item]
    with pytest.raises(ParseError) as caught:
        parse.parse_stream_message(json.dumps(frame).encode())
    assert "delta" in caught.value.path
