"""Inflating several entries on threads (``ZipArchive.read_many``) gives exactly what reading them one by one gives."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from datatrail.app.android.load import load_android
from datatrail.errors import InputError
from datatrail.formats.common.zip import ZipArchive
from datatrail.limits import DEFAULT_LIMITS, Limits
from tests.support.corpus import corpus_dir, corpus_files


def _both(data: bytes, names: list[str], limits: Limits = DEFAULT_LIMITS) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """(results, diagnostics, budget) read one by one, and on 2 threads, each from a fresh archive."""
    serial = ZipArchive(data, "t.zip", limits=limits)
    one_by_one: list[bytes | str] = []
    for n in names:
        try:
            one_by_one.append(serial.read(n))
        except InputError as exc:
            one_by_one.append(f"{type(exc).__name__}: {exc}")
    threaded = ZipArchive(data, "t.zip", limits=limits)
    together = [r if isinstance(r, bytes) else f"{type(r).__name__}: {r}" for r in threaded.read_many(names, threads=2)]
    return (
        (one_by_one, serial.log.items, serial.budget.used),
        (together, threaded.log.items, threaded.budget.used),
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)
    return buf.getvalue()


def _patch_crc(data: bytes, name: str, crc: int) -> bytes:
    """Rewrite the CRC-32 of ``name`` in the central directory only (the one Android trusts)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len] == name.encode():
            struct.pack_into("<I", out, at + 16, crc)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(name)


def test_healthy_entries_agree_and_are_right() -> None:
    files = {f"classes{i or ''}.dex": bytes(range(256)) * (500 * (i + 1)) for i in range(6)}
    data = _zip(files)
    serial, threaded = _both(data, list(files))
    assert threaded == serial
    assert serial[0] == list(files.values())  # and both are the bytes that went in
    assert serial[1] == []


def test_damage_is_reported_the_same_and_in_order() -> None:
    files = {"a.dex": b"A" * 300_000, "b.dex": b"B" * 200_000, "c.dex": b"C" * 100_000}
    data = _patch_crc(_zip(files), "b.dex", 0x1234)
    serial, threaded = _both(data, list(files))
    assert threaded == serial
    assert [d.code for d in serial[1]] == ["zip.crc-mismatch"]


def test_a_truncated_deflate_stream_is_kept_as_far_as_it_goes() -> None:
    body = bytes(range(256)) * 4000
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = raw.compress(body) + raw.flush()
    good = _zip({"a.dex": b"x" * 50_000})
    # Cut b.dex's deflate stream short by hand-building a second archive whose entry lies about nothing else.
    info = zipfile.ZipInfo("b.dex")
    info.compress_type = zipfile.ZIP_DEFLATED
    buf = io.BytesIO(good)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr(info, body)
    data = bytearray(buf.getvalue())
    start = data.find(deflated[:64])
    assert start > 0
    data[start + len(deflated) // 2 : start + len(deflated) // 2 + 64] = b"\xff" * 64  # corrupt mid-stream
    serial, threaded = _both(bytes(data), ["a.dex", "b.dex"])
    assert threaded == serial
    assert any(d.code in ("zip.inflate-error", "zip.size-mismatch", "zip.crc-mismatch") for d in serial[1])


def test_entries_past_the_budget_fall_back_to_one_by_one() -> None:
    files = {f"classes{i or ''}.dex": b"\0" * 400_000 for i in range(4)}
    tight = Limits(max_total_inflated=1_000_000)
    serial, threaded = _both(_zip(files), list(files), tight)
    assert threaded == serial
    assert any("inflates past" in str(r) for r in serial[0])  # the budget did stop something


@pytest.mark.parametrize("path", corpus_files("apk/**/*.apk"), ids=lambda p: p.name)
def test_corpus_artifacts_do_not_depend_on_threads(path: Path) -> None:
    corpus_dir()
    try:
        one = load_android(path, threads=1)
    except InputError as exc:
        with pytest.raises(type(exc)):
            load_android(path, threads=2)
        return
    two = load_android(path, threads=2)
    assert two.input == one.input
    assert [(d.name, bytes(d.buffer)) for d in two.dex_files] == [(d.name, bytes(d.buffer)) for d in one.dex_files]
    assert two.log.items == one.log.items
    assert two.certificates == one.certificates
