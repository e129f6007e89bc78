"""A ZIP reader that reads archives the way Android installs them.

Packers and malware tamper with ZIP structures to break analysis tools while
the device still installs the app. Android trusts the central directory for
names, sizes and compression method, and the local header only for the length
of its variable fields. This reader does the same, notes every disagreement as
a diagnostic, and bounds inflation by size and ratio so zip bombs cost nothing:
declared sizes are checked before inflating, no entry inflates past what it
declares, entries whose data overlaps are refused, and archives nested in one
input share one inflation budget.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, TypeVar

from datatrail.errors import CorruptInput, InputError, LimitExceeded
from datatrail.formats.common.buffer import Buffer, as_buffer
from datatrail.limits import DEFAULT_LIMITS, Limits
from datatrail.model.diagnostic import DiagnosticLog, Level

__all__ = ["ZipEntry", "ZipArchive", "InflationBudget", "is_zip", "has_end_record"]

_EOCD = struct.Struct("<4sHHHHIIH")  # sig, disk, cd disk, n here, n total, cd size, cd offset, comment len
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_CDH = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LFH = struct.Struct("<4sHHHHHIIIHH")

_SIG_EOCD = b"PK\x05\x06"
_SIG_EOCD64_LOCATOR = b"PK\x06\x07"
_SIG_EOCD64 = b"PK\x06\x06"
_SIG_CDH = b"PK\x01\x02"
_SIG_LFH = b"PK\x03\x04"

_STORED = 0
_DEFLATED = 8
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_MAX_COMMENT = 0xFFFF
_CHUNK = 1 << 20


def is_zip(head: bytes) -> bool:
    """True for data that starts like a ZIP (local header or empty archive)."""
    return head[:4] in (_SIG_LFH, _SIG_EOCD)


def _find_eocd(data: Buffer) -> int | None:
    start = max(0, len(data) - (_MAX_COMMENT + _EOCD.size))
    pos = len(data)
    while True:
        pos = data.rfind(_SIG_EOCD, start, pos)
        if pos < 0:
            return None
        if pos + _EOCD.size <= len(data):
            comment_len = _EOCD.unpack_from(data, pos)[7]
            if pos + _EOCD.size + comment_len <= len(data):
                return pos
        pos += 3  # keep searching earlier: rfind's end is exclusive


def has_end_record(data: Buffer) -> bool:
    """True when the data ends like a ZIP, whatever precedes it (self-extractors, junk)."""
    return _find_eocd(data) is not None


class InflationBudget:
    """Bytes inflated so far for one input, shared by the archives nested in it.

    ``Limits.max_total_inflated`` bounds one input, not each archive in it;
    without sharing, every level of a nested bomb would get a fresh budget.
    """

    __slots__ = ("used",)

    def __init__(self) -> None:
        self.used = 0


class ZipEntry(NamedTuple):
    name: str
    method: int
    flags: int
    compressed_size: int
    size: int
    crc32: int
    local_offset: int
    """Offset of the local header, already corrected for prepended data."""

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


class ZipArchive:
    """Read-only view of a ZIP held in memory or memory-mapped.

    Entries come from the central directory. When there is none (truncated
    download, deliberately wiped directory), local headers are scanned instead
    and that is reported as a diagnostic.
    """

    def __init__(
        self,
        data: Buffer | memoryview,
        name: str = "",
        log: DiagnosticLog | None = None,
        limits: Limits = DEFAULT_LIMITS,
        budget: InflationBudget | None = None,
    ) -> None:
        self._data = as_buffer(data)
        self._view = memoryview(self._data)
        self.name = name
        self.log = log if log is not None else DiagnosticLog()
        self.limits = limits
        self.budget = budget if budget is not None else InflationBudget()
        """Pass it to archives opened from this one's entries."""
        self.central_directory_offset: int | None = None
        """Where the central directory starts (needed to find the APK Signing Block)."""
        self.prepended = 0
        """Bytes of foreign data before the first entry."""
        entries = self._read_central_directory()
        self.recovered = entries is None
        """True when entries come from local headers because the directory is unusable."""
        if entries is None:
            entries = self._scan_local_headers()
        self.entries: list[ZipEntry] = entries
        self._overlapping = set() if self.recovered else self._find_overlaps(entries)
        self._by_name: dict[str, ZipEntry] = {}
        for entry in entries:
            if entry.name in self._by_name:
                self.log.add(
                    "zip.duplicate-name",
                    "duplicate entry name; the first one is used",
                    self._where(entry.name),
                )
                continue
            self._by_name[entry.name] = entry

    def _where(self, entry: str = "", offset: int | None = None) -> str:
        where = f"{self.name}!{entry}" if entry else self.name
        return where if offset is None else f"{where}@0x{offset:x}"

    # -- structure -----------------------------------------------------

    def _read_central_directory(self) -> list[ZipEntry] | None:
        data = self._data
        eocd = _find_eocd(data)
        if eocd is None:
            self.log.add(
                "zip.no-central-directory",
                "no end-of-central-directory record; entries recovered from local headers",
                self._where(),
                Level.ERROR,
            )
            return None
        _, _, _, _, count, cd_size, cd_offset, comment_len = _EOCD.unpack_from(data, eocd)
        tail = len(data) - (eocd + _EOCD.size + comment_len)
        if tail:
            self.log.add("zip.appended-data", f"{tail} bytes follow the end record", self._where(offset=len(data) - tail))
        if 0xFFFF in (count,) or 0xFFFFFFFF in (cd_size, cd_offset):
            z64 = self._read_zip64(eocd)
            if z64 is not None:
                count, cd_size, cd_offset = z64
        cd_end_expected = eocd
        if cd_offset + cd_size != cd_end_expected and cd_size <= eocd:
            # Data prepended to the archive shifts every offset by the same amount.
            delta = cd_end_expected - (cd_offset + cd_size)
            if 0 < delta and data[cd_offset + delta : cd_offset + delta + 4] == _SIG_CDH:
                self.prepended = delta
                self.log.add(
                    "zip.prepended-data",
                    f"{delta} bytes precede the archive; offsets corrected",
                    self._where(offset=0),
                )
                cd_offset += delta
        if count > self.limits.max_entries:
            raise LimitExceeded(
                f"{self.name}: archive declares {count} entries (limit {self.limits.max_entries})"
            )
        if cd_offset >= len(data) or data[cd_offset : cd_offset + 4] != _SIG_CDH:
            if count == 0:
                self.central_directory_offset = cd_offset
                return []
            self.log.add(
                "zip.bad-central-directory-offset",
                "central directory offset does not point at a directory header; scanning local headers",
                self._where(offset=cd_offset),
                Level.ERROR,
            )
            return None
        self.central_directory_offset = cd_offset
        return self._parse_entries(cd_offset, count)

    def _find_overlaps(self, entries: list[ZipEntry]) -> set[int]:
        """Local offsets of entries whose data runs into another entry or the directory.

        That is how a non-recursive zip bomb makes one compressed kernel count
        for every entry; Android refuses such data, and so do we. Entries
        sharing one local header (aliases) do not overlap.
        """
        data = self._data
        starts = sorted({e.local_offset for e in entries})
        nxt = {a: b for a, b in zip(starts, starts[1:])}
        cd = self.central_directory_offset
        bad: set[int] = set()
        for e in entries:
            pos = e.local_offset
            if pos + _LFH.size > len(data) or data[pos : pos + 4] != _SIG_LFH:
                continue  # read() reports it
            name_len, extra_len = struct.unpack_from("<HH", data, pos + 26)
            end = pos + _LFH.size + name_len + extra_len + e.compressed_size
            bounds = [b for b in (nxt.get(pos), cd) if b is not None and b > pos]
            if bounds and end > min(bounds):
                bad.add(pos)
        if bad:
            self.log.add(
                "zip.overlapping-entries",
                f"{len(bad)} entries' data overlaps other entries or the directory (zip bomb?); they are not read",
                self._where(),
                Level.ERROR,
            )
        return bad

    def _read_zip64(self, eocd: int) -> tuple[int, int, int] | None:
        data = self._data
        loc = eocd - _EOCD64_LOCATOR.size
        if loc < 0 or data[loc : loc + 4] != _SIG_EOCD64_LOCATOR:
            return None
        z64_off = _EOCD64_LOCATOR.unpack_from(data, loc)[2]
        if z64_off + _EOCD64.size > len(data) or data[z64_off : z64_off + 4] != _SIG_EOCD64:
            self.log.add("zip.bad-zip64", "zip64 locator points nowhere", self._where(offset=loc))
            return None
        fields = _EOCD64.unpack_from(data, z64_off)
        return fields[7], fields[8], fields[9]

    def _parse_entries(self, offset: int, count: int) -> list[ZipEntry]:
        data = self._data
        entries: list[ZipEntry] = []
        pos = offset
        end = len(data)
        # The declared count may lie (either way); walk headers while they are valid.
        while pos + _CDH.size <= end and data[pos : pos + 4] == _SIG_CDH:
            if len(entries) >= self.limits.max_entries:
                raise LimitExceeded(f"{self.name}: more than {self.limits.max_entries} entries")
            (
                _sig, _vm, _vn, flags, method, _t, _d, crc, csize, usize,
                name_len, extra_len, comment_len, _disk, _iattr, _eattr, local,
            ) = _CDH.unpack_from(data, pos)
            name_start = pos + _CDH.size
            extra_start = name_start + name_len
            if extra_start + extra_len > end:
                self.log.add("zip.truncated-directory", "central directory entry runs past the end", self._where(offset=pos), Level.ERROR)
                break
            raw_name = bytes(data[name_start:extra_start])
            if 0xFFFFFFFF in (csize, usize, local):
                usize, csize, local = self._zip64_extra(
                    data[extra_start : extra_start + extra_len], usize, csize, local
                )
            name = _decode_name(raw_name, flags)
            if flags & _FLAG_ENCRYPTED:
                self.log.add(
                    "zip.encryption-flag",
                    "entry is flagged encrypted; Android ignores the flag, so it is read as plain",
                    self._where(name),
                )
            entries.append(
                ZipEntry(name, method, flags, csize, usize, crc, local + self.prepended)
            )
            pos = extra_start + extra_len + comment_len
        if len(entries) != count:
            self.log.add(
                "zip.entry-count-mismatch",
                f"end record declares {count} entries, directory holds {len(entries)}",
                self._where(offset=offset),
            )
        return entries

    @staticmethod
    def _zip64_extra(extra: memoryview | bytes | bytearray, usize: int, csize: int, local: int) -> tuple[int, int, int]:
        pos = 0
        while pos + 4 <= len(extra):
            tag, size = struct.unpack_from("<HH", extra, pos)
            body = pos + 4
            if tag == 0x0001:
                vals: list[int] = []
                p = body
                while p + 8 <= min(body + size, len(extra)):
                    vals.append(struct.unpack_from("<Q", extra, p)[0])
                    p += 8
                it = iter(vals)
                if usize == 0xFFFFFFFF:
                    usize = next(it, usize)
                if csize == 0xFFFFFFFF:
                    csize = next(it, csize)
                if local == 0xFFFFFFFF:
                    local = next(it, local)
                break
            pos = body + size
        return usize, csize, local

    def _scan_local_headers(self) -> list[ZipEntry]:
        data = self._data
        entries: list[ZipEntry] = []
        pos = data.find(_SIG_LFH)
        while 0 <= pos and pos + _LFH.size <= len(data):
            if len(entries) >= self.limits.max_entries:
                raise LimitExceeded(f"{self.name}: more than {self.limits.max_entries} entries")
            _s, _v, flags, method, _t, _d, crc, csize, usize, name_len, extra_len = _LFH.unpack_from(data, pos)
            name = _decode_name(bytes(data[pos + _LFH.size : pos + _LFH.size + name_len]), flags)
            body = pos + _LFH.size + name_len + extra_len
            if flags & 0x8 or body + csize > len(data):
                # Sizes live in a data descriptor after the data: find the next header instead.
                nxt = data.find(_SIG_LFH, body)
                nxt_cd = data.find(_SIG_CDH, body)
                stops = [p for p in (nxt, nxt_cd) if p >= 0]
                stop = min(stops) if stops else len(data)
                if flags & 0x8 and stop - body >= 16:
                    dd = stop - 16 if data[stop - 16 : stop - 12] == b"PK\x07\x08" else stop - 12
                    crc, csize, usize = struct.unpack_from("<III", data, dd + (4 if dd == stop - 16 else 0))
                else:
                    csize = max(0, stop - body)
                    usize = 0
                nxt_pos = stop
            else:
                nxt_pos = body + csize
            if name:
                entries.append(ZipEntry(name, method, flags, csize, usize, crc, pos))
            pos = data.find(_SIG_LFH, nxt_pos)
        if not entries:
            raise CorruptInput(f"{self.name}: not a readable ZIP archive (no entries found)")
        return entries

    # -- access --------------------------------------------------------

    @property
    def data(self) -> Buffer:
        """The whole archive, as given."""
        return self._data

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> ZipEntry | None:
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[ZipEntry]:
        return iter(self._by_name.values())

    def _data_offset(self, entry: ZipEntry) -> int:
        data = self._data
        pos = entry.local_offset
        if pos + _LFH.size > len(data) or data[pos : pos + 4] != _SIG_LFH:
            raise CorruptInput(f"{self._where(entry.name, pos)}: no local header where the directory points")
        _s, _v, lflags, lmethod, _t, _d, _c, lcsize, lusize, name_len, extra_len = _LFH.unpack_from(data, pos)
        body: int = pos + _LFH.size + name_len + extra_len
        if self.recovered:  # the entry was made from this very header
            return body
        odd: list[str] = []
        if lmethod != entry.method:
            odd.append(f"method {lmethod} (directory: {entry.method})")
        # Zero sizes are normal with a data descriptor; 0xFFFFFFFF defers to a zip64 extra.
        if not (lflags & 0x8 and lcsize == lusize == 0) and 0xFFFFFFFF not in (lcsize, lusize):
            if (lcsize, lusize) != (entry.compressed_size, entry.size):
                odd.append(f"sizes {lcsize}/{lusize} (directory: {entry.compressed_size}/{entry.size})")
        lname = _decode_name(bytes(data[pos + _LFH.size : pos + _LFH.size + name_len]), lflags)
        if lname != entry.name:
            odd.append(f"name {lname!r}")
        if odd:
            self.log.add(
                "zip.local-header-mismatch",
                f"local header says {', '.join(odd)}; directory used",
                self._where(entry.name, pos),
            )
        return body

    def read(self, name_or_entry: str | ZipEntry, max_size: int | None = None) -> bytes:
        """Inflate one entry, bounded by size, ratio and the archive-wide budget.

        ``max_size`` lets callers that need only a prefix (sniffing) stop early.
        """
        entry = self._entry(name_or_entry)
        job = self._prepare(entry, max_size)
        return self._complete(job, self._execute(job, self.limits.max_total_inflated - self.budget.used))

    def read_many(self, names: Sequence[str], threads: int = 1) -> list[bytes | InputError]:
        """Inflate whole entries, on up to ``threads`` threads; per entry its data or why it could not be read.

        zlib lets go of the GIL while it inflates and checksums, so several
        classesN.dex come out in the time of the largest. Diagnostics, the
        budget and the results are those of ``read`` on each name in order.
        Only entries that are plainly fine are shared out: unless every one
        declares its size, is stored or deflated, passes the bomb checks and
        fits in the budget together with the others, they are read one by one.
        """
        entries = [self._entry(n) for n in names]
        if threads > 1 and len(entries) > 1 and self._plainly_fine(entries):
            jobs: list[_Job | InputError] = []
            for entry in entries:
                try:
                    jobs.append(self._prepare(entry, None))
                except InputError as exc:
                    jobs.append(exc)
            left = self.limits.max_total_inflated - self.budget.used
            work = [(k, job) for k, job in enumerate(jobs) if not isinstance(job, InputError)]
            work.sort(key=lambda kj: -len(kj[1].raw))  # largest first: the threads finish together
            done = dict(zip((k for k, _ in work), _map_on_threads(lambda kj: self._execute(kj[1], left), work, threads)))
            out: list[bytes | InputError] = []
            for k, job in enumerate(jobs):
                if isinstance(job, InputError):
                    out.append(job)
                    continue
                try:
                    out.append(self._complete(job, done[k]))  # in order: diagnostics and budget as ``read`` gives them
                except InputError as exc:
                    out.append(exc)
            return out
        results: list[bytes | InputError] = []
        for entry in entries:
            try:
                results.append(self.read(entry))
            except InputError as exc:
                results.append(exc)
        return results

    def _entry(self, name_or_entry: str | ZipEntry) -> ZipEntry:
        entry = self._by_name.get(name_or_entry) if isinstance(name_or_entry, str) else name_or_entry
        if entry is None:
            raise KeyError(name_or_entry)
        return entry

    def _plainly_fine(self, entries: list[ZipEntry]) -> bool:
        limits = self.limits
        if self.recovered or self.budget.used + sum(e.size for e in entries) > limits.max_total_inflated:
            return False
        for e in entries:
            if e.method not in (_STORED, _DEFLATED) or e.local_offset in self._overlapping or e.size >= limits.max_entry_size:
                return False
            if e.size > (1 << 20) and e.size > limits.max_ratio * max(e.compressed_size, 1):
                return False
        return True

    def _prepare(self, entry: ZipEntry, max_size: int | None) -> _Job:
        """Everything before inflating: find the data, check what the directory declares (may log or raise)."""
        if entry.local_offset in self._overlapping:
            raise CorruptInput(f"{self._where(entry.name, entry.local_offset)}: data overlaps another entry; not read")
        start = self._data_offset(entry)
        end = start + entry.compressed_size
        if end > len(self._data):
            self.log.add("zip.truncated-entry", "entry data runs past the end of the file", self._where(entry.name, start), Level.ERROR)
            end = len(self._data)
        method = entry.method
        if method not in (_STORED, _DEFLATED):
            guess = _STORED if entry.compressed_size == entry.size else _DEFLATED
            self.log.add(
                "zip.unknown-method",
                f"compression method {method} is not one Android supports; read as {'stored' if guess == _STORED else 'deflated'}",
                self._where(entry.name),
            )
            method = guess
        cap = self.limits.max_entry_size if max_size is None else min(max_size, self.limits.max_entry_size)
        declared: int | None = None
        if method == _DEFLATED:
            if max_size is None:
                self._check_declared(entry)
            # Android inflates no more than the declared size. Only an entry
            # recovered from a bare local header can have an unknown (zero) size.
            declared = None if self.recovered and entry.size == 0 else entry.size
            if declared is not None and declared >= cap:
                declared = None
        return _Job(entry, self._view[start:end], method, cap, declared, max_size is None)

    def _execute(self, job: _Job, budget_left: int) -> _Result:
        """The inflating itself: reads the job's bytes and nothing of this archive's state, so it can run on any thread."""
        if job.method == _STORED:
            out = bytes(job.raw[: job.cap])
            return _Result(out, 0, None, None, zlib.crc32(out) if job.whole else 0)
        stop = job.cap if job.declared is None else job.declared + 1
        partial = not job.whole or job.declared is not None
        inflater = zlib.decompressobj(-15)
        raw = job.raw
        pieces: list[bytes] = []
        produced = 0
        pos = 0
        damage: str | None = None
        try:
            while pos < len(raw) or inflater.unconsumed_tail:
                src = inflater.unconsumed_tail or raw[pos : pos + _CHUNK]
                if not inflater.unconsumed_tail:
                    pos += len(src)
                piece = inflater.decompress(src, _CHUNK)
                produced += len(piece)
                pieces.append(piece)
                if produced >= stop:
                    if partial:
                        break
                    raise LimitExceeded(f"{self._where(job.entry.name)}: inflates past {stop} bytes")
                if produced > budget_left:
                    raise LimitExceeded(f"{self.name}: archive inflates past {self.limits.max_total_inflated} bytes in total")
                consumed = pos - len(inflater.unconsumed_tail)
                if produced > (1 << 20) and produced > self.limits.max_ratio * max(consumed, 1):
                    raise LimitExceeded(
                        f"{self._where(job.entry.name)}: compression ratio above {self.limits.max_ratio}:1 (zip bomb?)"
                    )
                if inflater.eof:
                    break
        except zlib.error as exc:
            damage = f"deflate stream is damaged ({exc}); kept what inflated"
        except LimitExceeded as exc:
            return _Result(b"", produced, None, exc, 0)  # an aborted bomb costs its share of the budget too
        out = b"".join(pieces)
        if produced > stop:
            out = out[:stop]
        crc = zlib.crc32(out) if job.whole and (job.declared is None or len(out) == job.declared) else 0
        return _Result(out, produced, damage, None, crc)

    def _complete(self, job: _Job, result: _Result) -> bytes:
        """Everything after inflating, in the caller's thread: the budget, diagnostics, size and CRC checks."""
        entry = job.entry
        self.budget.used += result.produced
        if result.damage is not None:
            self.log.add("zip.inflate-error", result.damage, self._where(entry.name), Level.ERROR)
        if result.limit is not None:
            raise result.limit
        out = result.data
        if job.declared is not None and len(out) > job.declared:
            self.log.add(
                "zip.size-mismatch",
                f"data inflates past the {job.declared} bytes the directory declares; cut there",
                self._where(entry.name),
            )
            return out[: job.declared]
        if job.whole:
            if len(out) != entry.size:
                self.log.add(
                    "zip.size-mismatch",
                    f"directory says {entry.size} bytes, data gives {len(out)}",
                    self._where(entry.name),
                )
            elif result.crc != entry.crc32:
                self.log.add("zip.crc-mismatch", "CRC-32 does not match the directory", self._where(entry.name))
        return out

    def _check_declared(self, entry: ZipEntry) -> None:
        """Refuse a bomb by its declared sizes before inflating a byte of it."""
        limits = self.limits
        if entry.size > limits.max_entry_size:
            raise LimitExceeded(f"{self._where(entry.name)}: declares {entry.size} bytes (limit {limits.max_entry_size})")
        if entry.size > (1 << 20) and entry.size > limits.max_ratio * max(entry.compressed_size, 1):
            raise LimitExceeded(
                f"{self._where(entry.name)}: declared compression ratio above {limits.max_ratio}:1 (zip bomb?)"
            )
        if self.budget.used + entry.size > limits.max_total_inflated:
            raise LimitExceeded(f"{self.name}: archive inflates past {limits.max_total_inflated} bytes in total")


_T = TypeVar("_T")
_R = TypeVar("_R")


def _map_on_threads(fn: Callable[[_T], _R], items: Sequence[_T], threads: int) -> list[_R]:
    """``[fn(x) for x in items]`` on up to ``threads`` threads (this one included); items are
    taken in order, results come back in order, and the first exception raised is re-raised."""
    results: list[_R | None] = [None] * len(items)
    failures: list[BaseException] = []
    indexes = iter(range(len(items)))
    lock = threading.Lock()

    def drain() -> None:
        while not failures:
            with lock:
                k = next(indexes, None)
            if k is None:
                return
            try:
                results[k] = fn(items[k])
            except BaseException as exc:  # handed to the caller's thread
                failures.append(exc)

    helpers = [threading.Thread(target=drain, name="inflate", daemon=True) for _ in range(min(threads, len(items)) - 1)]
    for helper in helpers:
        helper.start()
    drain()
    for helper in helpers:
        helper.join()
    if failures:
        raise failures[0]
    return results  # type: ignore[return-value]  # every slot is filled when nothing failed


class _Job(NamedTuple):
    """One entry to read, as ``ZipArchive._prepare`` found it."""

    entry: ZipEntry
    raw: memoryview
    method: int
    cap: int
    declared: int | None
    """Inflate no further than this (plus one byte, to notice more)."""
    whole: bool
    """The whole entry is wanted (not a prefix to sniff): check its size and CRC."""


class _Result(NamedTuple):
    data: bytes
    produced: int
    damage: str | None
    limit: LimitExceeded | None
    crc: int


def _decode_name(raw: bytes, flags: int) -> str:
    if flags & _FLAG_UTF8:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")
