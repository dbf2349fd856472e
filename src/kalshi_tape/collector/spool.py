"""An append-only, fsync'd local spool for rows the database could not take.

Each record is one writer batch as Arrow IPC streams, one per table, framed as
`MAGIC | length (8 bytes) | crc32 (4 bytes) | payload`. Records live in numbered segment
files and are replayed oldest first; a segment is deleted only after all its records
were written to the warehouse (replaying twice is harmless: every write is an upsert).
A record torn by a crash mid-append fails its checksum and ends its segment's replay.

Every way the spool can fail (directory missing and not creatable, read-only, disk full,
over `max_bytes`) raises `SpoolError` with the path and the reason: the collector stops
with that message rather than dropping rows silently.
"""

from __future__ import annotations

import errno
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pyarrow as pa

from kalshi_tape.core.errors import StorageError

MAGIC = b"KTSP"
HEADER = struct.Struct(">4sQI")
SEGMENT_BYTES = 64 * 2**20
_DECODE = msgspec.msgpack.Decoder(dict[str, bytes])
_ENCODE = msgspec.msgpack.Encoder()


class SpoolError(StorageError):
    """The spool cannot keep rows safe (read-only, full, missing): the collector stops."""


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disk full (ENOSPC)"
    if exc.errno == errno.EROFS:
        return "read-only file system (EROFS)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def encode_tables(tables: dict[str, pa.Table]) -> bytes:
    parts = {}
    for name, table in tables.items():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        parts[name] = sink.getvalue().to_pybytes()
    return _ENCODE.encode(parts)


def decode_tables(payload: bytes) -> dict[str, pa.Table]:
    return {
        name: pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        for name, data in _DECODE.decode(payload).items()
    }


class Spool:
    def __init__(self, directory: Path, *, max_bytes: int = 10 * 2**30) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._file: Path | None = None
        self.check_writable()
        self.bytes = sum(p.stat().st_size for p in self.segments())

    def check_writable(self) -> None:
        """Create the directory and prove a file can be written and fsync'd in it."""
        probe = self.directory / ".ktape-probe"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(probe, "wb") as fh:
                fh.write(b"ok")
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
        except OSError as exc:
            raise SpoolError(
                f"spool_dir {self.directory} is not writable: {_describe(exc)}"
            ) from None

    def segments(self) -> list[Path]:
        return sorted(self.directory.glob("spool-*.ktape"))

    @property
    def empty(self) -> bool:
        return not self.segments()

    def append(self, tables: dict[str, pa.Table]) -> int:
        """Append one record durably (fsync); returns its size in bytes."""
        payload = encode_tables(tables)
        record = HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload
        if self.bytes + len(record) > self.max_bytes:
            raise SpoolError(
                f"spool_dir {self.directory} is full: {self.bytes} bytes spooled, "
                f"storage.max_spool_bytes is {self.max_bytes}"
            )
        target = self._segment_for(len(record))
        try:
            with open(target, "ab") as fh:
                fh.write(record)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise SpoolError(f"cannot append to spool {target}: {_describe(exc)}") from None
        self.bytes += len(record)
        return len(record)

    def _segment_for(self, size: int) -> Path:
        current = self._file
        fits = current is not None and current.exists()
        if fits and current is not None and current.stat().st_size + size <= SEGMENT_BYTES:
            return current
        existing = self.segments()
        number = int(existing[-1].stem.split("-")[1]) + 1 if existing else 1
        self._file = self.directory / f"spool-{number:012d}.ktape"
        return self._file

    def records(self, segment: Path) -> Iterator[dict[str, pa.Table]]:
        """The records of one segment in order; stops at a torn or corrupt record."""
        data = segment.read_bytes()
        pos = 0
        while pos + HEADER.size <= len(data):
            magic, length, crc = HEADER.unpack_from(data, pos)
            payload = data[pos + HEADER.size : pos + HEADER.size + length]
            if magic != MAGIC or len(payload) != length or zlib.crc32(payload) != crc:
                return
            yield decode_tables(payload)
            pos += HEADER.size + length

    def remove(self, segment: Path) -> None:
        """Forget a fully replayed segment."""
        size = segment.stat().st_size
        segment.unlink()
        if self._file == segment:
            self._file = None
        self.bytes = max(0, self.bytes - size)
        fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
