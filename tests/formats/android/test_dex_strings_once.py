"""DexFile.strings_once: the whole pool for one pass, not kept, damage reported once."""

from __future__ import annotations

import struct
import zlib

from datatrail.formats.android.dex import DexFile
from datatrail.model.diagnostic import DiagnosticLog
from tests.support.corpus import corpus_dir

_STRING_IDS_OFF = 0x3C  # header field: offset of the string_ids table


def _real_dex() -> bytes:
    return (corpus_dir() / "apk/androguard/classes.dex").read_bytes()


def _with_fixed_checksum(blob: bytearray) -> bytes:
    struct.pack_into("<I", blob, 8, zlib.adler32(bytes(blob[12:])))
    return bytes(blob)


def test_strings_once_equals_the_cached_pool_and_keeps_nothing() -> None:
    data = _real_dex()
    once = DexFile(data)
    first = once.strings_once()
    assert first == DexFile(data).strings_view()
    assert len(first) > 1000
    second = once.strings_once()
    assert second == first and second is not first  # decoded again: nothing was kept


def test_strings_once_returns_the_cached_pool_when_there_is_one() -> None:
    dex = DexFile(_real_dex())
    view = dex.strings_view()
    assert dex.strings_once() is view


def test_damage_is_reported_once_however_often_the_pool_is_decoded() -> None:
    blob = bytearray(_real_dex())
    (ids_off,) = struct.unpack_from("<I", blob, _STRING_IDS_OFF)
    victim = 7
    struct.pack_into("<I", blob, ids_off + 4 * victim, 0xFFFFFF00)  # string data past the end of the file
    log = DiagnosticLog()
    dex = DexFile(_with_fixed_checksum(blob), log=log)
    assert dex.strings_once()[victim] == f"<bad-string:{victim}>"
    assert dex.strings_once()[victim] == f"<bad-string:{victim}>"
    assert dex.strings_view()[victim] == f"<bad-string:{victim}>"
    assert [d.code for d in log.items].count("dex.bad-string") == 1


def _all_dex() -> list[bytes]:
    import zipfile

    from tests.support.corpus import corpus_files

    blobs = [p.read_bytes() for p in corpus_files("apk/**/*.dex")]
    for apk in corpus_files("apk/**/*.apk"):
        try:
            with zipfile.ZipFile(apk) as z:
                blobs.extend(z.read(n) for n in z.namelist() if n.startswith("classes") and n.endswith(".dex"))
        except (zipfile.BadZipFile, OSError):
            continue
    return blobs


def test_a_sound_pool_settles_the_type_descriptors_as_lookups_would() -> None:
    corpus_dir()
    checked = 0
    for data in _all_dex():
        try:
            looked_up = DexFile(data).type_names()
            pooled = DexFile(data)
            pooled.strings_once()
        except Exception:  # noqa: BLE001 - unreadable corpus dex are other tests' business
            continue
        assert pooled._types is not None  # settled by the pass over the pool
        assert pooled.type_names() == looked_up
        checked += 1
    assert checked >= 20


def test_a_damaged_pool_leaves_the_descriptors_to_lookups() -> None:
    blob = bytearray(_real_dex())
    (ids_off,) = struct.unpack_from("<I", blob, _STRING_IDS_OFF)
    struct.pack_into("<I", blob, ids_off + 4 * 7, 0xFFFFFF00)
    dex = DexFile(_with_fixed_checksum(blob), log=DiagnosticLog())
    dex.strings_once()
    assert dex._types is None  # the per-string path, with its own diagnostics, decides
    assert dex.type_names() == DexFile(_with_fixed_checksum(blob), log=DiagnosticLog()).type_names()
