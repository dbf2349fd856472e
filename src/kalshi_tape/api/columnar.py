"""Tables to JSON rows and CSV text without per-row Python: one gather of string pieces.

Every column becomes a few *slots*: for each row, an index into a block of ready-made
text pieces (a key prefix, a quoted price from a table of every 4-place price from zero to
a dollar, the whole part of a count, ...). The pieces of all rows, in row order, are
gathered by a single Arrow `take`; its character buffer is the body. The bytes are exactly
those of the general renderer (`render.py`: polars from text columns); a table this
module does not handle (floats, lists, strings needing escapes or quotes, sub-second,
null or pre-1970 times) gets `None`, and the caller uses the general renderer.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_JSON_SAFE = r"^[ !#-\[\]-~]*$"  # printable ASCII without `"` and `\`: no escapes
_CSV_SAFE = r'^[^,"\r\n]+$'  # non-empty, no separator, quote or line break: no quotes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_DAY = 2_932_896  # 9999-12-31
_NULL = "null"
_WHOLE = 100_000  # whole parts below this come from a table


class Unsupported(Exception):
    """The column needs the general renderer."""


class _Gather:
    """Blocks of text pieces and, per slot, which piece each row takes."""

    def __init__(self, rows: int, json: bool) -> None:
        self.rows = rows
        self.json = json
        self._blocks: list[pa.Array] = []
        self._base: dict[int, int] = {}  # id(block) -> its first index in the source
        self._size = 0
        self._slots: list[np.ndarray] = []

    def slot(self, block: pa.Array, at: np.ndarray | None = None) -> None:
        """Each row takes `block[at[row]]` (`at` None: row i takes piece i)."""
        base = self._base.get(id(block))
        if base is None:
            base = self._base[id(block)] = self._size
            self._blocks.append(block)
            self._size += len(block)
        at = np.arange(self.rows) if at is None else at
        self._slots.append(at + base)

    def const(self, text: str) -> None:
        self.slot(_options((text,)), np.zeros(self.rows, dtype=np.int64))

    def choice(self, options: list[str], at: np.ndarray) -> None:
        self.slot(_options(tuple(options)), at)

    def body(self) -> memoryview:
        """The gathered characters (a view of Arrow's buffer, which it keeps alive)."""
        source = pa.concat_arrays(self._blocks)
        order = np.stack(self._slots, axis=1).ravel()
        gathered = source.take(pa.array(order))
        offsets = np.frombuffer(gathered.buffers()[1], dtype=np.int32)
        first, last = int(offsets[gathered.offset]), int(offsets[gathered.offset + len(order)])
        return memoryview(gathered.buffers()[2])[first:last]


def json_rows(table: pa.Table) -> list[bytes | memoryview] | None:
    """`[{...},...]` of the table's rows (parts to join), or None when the table needs the
    general path."""
    if table.num_rows == 0:
        return [b"[]"]
    gather = _Gather(table.num_rows, json=True)
    arrays = [column.combine_chunks() for column in table.columns]
    prices = _price_pieces(arrays)
    try:
        for i, (name, array) in enumerate(zip(table.column_names, arrays, strict=True)):
            gather.const(("{" if i == 0 else ",") + msgspec.json.encode(name).decode() + ":")
            at = prices.get(i)
            if at is None:
                _column(gather, array)
            else:
                gather.slot(_four_places(True), at)
    except Unsupported:
        return None
    gather.const("},")
    return [b"[", gather.body()[:-1], b"]"]


def csv_text(table: pa.Table) -> bytes | None:
    """A header line and one line per row, or None when the table needs the general path."""
    names = table.column_names
    if not names or not pc.all(pc.match_substring_regex(_texts(names), _CSV_SAFE)).as_py():
        return None
    header = (",".join(names) + "\n").encode()
    if table.num_rows == 0:
        return header
    gather = _Gather(table.num_rows, json=False)
    arrays = [column.combine_chunks() for column in table.columns]
    prices = _price_pieces(arrays)
    try:
        for i, array in enumerate(arrays):
            at = prices.get(i)
            if at is None:
                _column(gather, array)
            else:
                gather.slot(_four_places(False), at)
            gather.const("," if i < len(names) - 1 else "\n")
    except Unsupported:
        return None
    return b"".join((header, gather.body()))


def _column(gather: _Gather, array: pa.Array) -> None:
    """The slots of one column's values (JSON values or CSV fields)."""
    kind = array.type
    if pa.types.is_decimal(kind):
        _decimal(gather, array)
    elif pa.types.is_timestamp(kind):
        _timestamp(gather, array)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        _string(gather, array.cast(pa.string()))
    elif pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        gather.slot(array.cast(pa.string()))  # a null piece adds no characters
        if gather.json and array.null_count:
            gather.choice(["", _NULL], _nulls(array).astype(np.int64))
    else:
        raise Unsupported


def _string(gather: _Gather, array: pa.Array) -> None:
    safe = pc.match_substring_regex(array, _JSON_SAFE if gather.json else _CSV_SAFE)
    if pc.all(safe).as_py() is False:
        raise Unsupported  # escapes or quotes: the general renderer writes them
    if not gather.json:
        gather.slot(array)
        return
    nulls = _nulls(array).astype(np.int64)
    gather.choice(['"', _NULL], nulls)
    gather.slot(array)
    gather.choice(['"', ""], nulls)


def _nulls(array: pa.Array) -> np.ndarray:
    if array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    return np.asarray(array.is_null().to_numpy(zero_copy_only=False))


def _decimal(gather: _Gather, array: pa.Array) -> None:
    """Exact decimal text: 4 places when no value is finer (scale 6 columns), else the
    column's scale (`0.3900`, `0.123456`, `12.00`, `-3.5000`), as Arrow's cast writes it."""
    if array.type.precision > 18:
        raise Unsupported  # the unscaled values would not fit in int64
    units, nulls = _units(array)
    scale = array.type.scale
    if scale > 4 and not np.any(units % 10 ** (scale - 4)):
        units, scale = units // 10 ** (scale - 4), 4
    if scale == 4 and np.all((units >= 0) & (units <= 10_000)):
        gather.slot(_four_places(gather.json), np.where(nulls, 10_001, units))
        return
    magnitude = np.abs(units)
    opening = np.where(nulls, 2, (units < 0).astype(np.int64))
    gather.choice(['"', '"-', _NULL] if gather.json else ["", "-", ""], opening)
    whole, fraction = np.divmod(magnitude, 10**scale)
    if np.all(whole < _WHOLE):
        gather.slot(_wholes().take(pa.array(whole, mask=nulls)))
    else:
        gather.slot(pa.array(whole, mask=nulls).cast(pa.string()))
    if scale <= 4:
        gather.slot(_fractions(scale), np.where(nulls, 10**scale, fraction))
    else:
        gather.choice([".", ""], nulls.astype(np.int64))
        digits = pa.array(fraction, mask=nulls).cast(pa.string())
        gather.slot(pc.utf8_lpad(digits, scale, "0"))
    if gather.json:
        gather.choice(['"', ""], nulls.astype(np.int64))


def _price_pieces(arrays: list[pa.Array]) -> dict[int, np.ndarray]:
    """For every scale-6 decimal column whose values are 4-place prices from 0 to 1: each
    row's index into `_four_places` (10,001 where null), all columns in one numpy pass.
    The other columns are left to `_column` (which writes these the same way, one by one)."""
    which = [i for i, a in enumerate(arrays) if a.type == _PRICE]
    if not which:
        return {}
    units = np.stack([_units(arrays[i])[0] for i in which])
    nulls = np.stack([_nulls(arrays[i]) for i in which])
    fits = ~np.any(units % 100, axis=1) & np.all((units >= 0) & (units <= 1_000_000), axis=1)
    at = np.where(nulls, 10_001, units // 100)
    return {i: at[row] for row, i in enumerate(which) if fits[row]}


_PRICE = pa.decimal128(10, 6)


@functools.cache
def _wholes() -> pa.Array:
    return _texts([str(n) for n in range(_WHOLE)])


@functools.cache
def _fractions(scale: int) -> pa.Array:
    """`.00` ... `.99` for scale 2 (nothing for scale 0), then the null piece (empty)."""
    if scale == 0:
        return _texts([""])
    return _texts([f".{n:0{scale}d}" for n in range(10**scale)] + [""])


def _units(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The unscaled values (the low 64 bits of each decimal128; 0 where null), and nulls."""
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    units = words[2 * array.offset : 2 * (array.offset + len(array)) : 2]
    nulls = _nulls(array)
    return (np.where(nulls, 0, units) if array.null_count else units), nulls


@functools.cache
def _four_places(json: bool) -> pa.Array:
    """`0.0000` ... `1.0000` (quoted for JSON), then the null piece at 10,001."""
    q = '"' if json else ""
    prices = [f"{q}{n // 10_000}.{n % 10_000:04d}{q}" for n in range(10_001)]
    return _texts([*prices, _NULL if json else ""])


def _timestamp(gather: _Gather, array: pa.Array) -> None:
    """ISO 8601 UTC of whole-second times from 1970 to 9999 (`2026-11-20T00:01:00Z`)."""
    per_s = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[array.type.unit]
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    raw = words[array.offset : array.offset + len(array)]
    if array.null_count or np.any(raw % per_s):
        raise Unsupported  # nulls or fractions of a second: the general renderer
    days, of_day = np.divmod(raw // per_s, 86_400)
    first, last = int(days.min()), int(days.max())
    if first < 0 or last > _MAX_DAY or last - first > 10_000:
        raise Unsupported
    q = '"' if gather.json else ""
    dates = [f"{q}{(_EPOCH + timedelta(days=d)):%Y-%m-%d}T" for d in range(first, last + 1)]
    gather.slot(_texts(dates), days - first)
    gather.slot(_times_of_day(gather.json).take(pa.array(of_day)))


@functools.cache
def _times_of_day(json: bool) -> pa.Array:
    """`00:00:00Z` ... `23:59:59Z` (with the closing quote for JSON)."""
    q = '"' if json else ""
    return _texts([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z{q}" for s in range(86_400)])


@functools.lru_cache(maxsize=64)
def _options(options: tuple[str, ...]) -> pa.Array:
    return _texts(list(options))


def _texts(values: list[str]) -> pa.Array:
    """Python strings converted with a type: untyped conversion looks for pandas each
    time (about 0.3 ms when it is not installed)."""
    return pa.array(values, pa.string())
