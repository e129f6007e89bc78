"""A standing mutation suite for the static scan: seeded mutants of real apps and code, each through the whole
pipeline, must end in a report or an InputError, in bounded time and memory bounded by the input's size."""

from __future__ import annotations

import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.errors import InputError
from tests.support.corpus import corpus_files
from tests.support.mutants import mutants

SUBJECTS = {  # kind -> (corpus file, mutants); the AAB takes half a second a scan
    "apk": ("apk/androguard/com.politedroid_4.apk", 150),
    "multidex": ("apk/androguard/multidex.apk", 150),
    "dex": ("apk/androguard/Test.dex", 150),
    "ipa": ("ipa/app-info/iphone.ipa", 150),
    "aab": ("apk/app-info/android.aab", 24),
}
SECONDS = 5.0
SECONDS_PER_MB = 2.0
"""Time grows with the input, as memory does: a mutant of the 3.6 MB AAB whose forged
class_data counts send the DEX index through its whole parse budget (twice the file) takes
3.4 s on an idle machine and 5.1 s beside CI's other tests; a hang takes for ever."""
TRACED_EVERY = 8
"""Memory is traced for every 8th mutant: tracing slows a scan several times over, so time is measured untraced."""


def _memory_bound(size: int) -> int:
    return (48 << 20) + 16 * size


def _time_bound(size: int) -> float:
    return SECONDS + SECONDS_PER_MB * size / 1e6


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_mutants_end_cleanly_in_bounded_time_and_memory(kind: str, tmp_path: Path) -> None:
    rel, count = SUBJECTS[kind]
    found = corpus_files(rel)
    if not found:
        pytest.skip("test corpus not found (set DATATRAIL_CORPUS)")
    original = found[0].read_bytes()
    path = tmp_path / f"mutant{found[0].suffix}"
    outcomes = {"report": 0, "refused": 0}
    for index, data in mutants(original, count, seed=zlib.crc32(kind.encode())):
        path.write_bytes(data)
        traced = index % TRACED_EVERY == 0 and kind != "aab"  # tracing the AAB's protobuf walk takes 30 s a scan
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            scan_file(path)
            outcomes["report"] += 1
        except InputError:
            outcomes["refused"] += 1  # anything else is a bug, and fails the test here
        finally:
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
            if traced:
                tracemalloc.stop()
        if not traced:
            assert elapsed < _time_bound(len(data)), f"{kind} mutant {index} took {elapsed:.1f} s"
        assert peak < _memory_bound(len(data)), f"{kind} mutant {index}: peak {peak >> 20} MiB for {len(data)} bytes"
    assert sum(outcomes.values()) == count
