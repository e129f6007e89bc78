"""A standing mutation suite for the traffic pipeline: seeded mutants of real captures (pcap, pcapng, HAR,
mitmproxy) must end in a report or an InputError, in bounded time and memory bounded by the input's size."""

from __future__ import annotations

import time
import tracemalloc
import zlib

import pytest

from datatrail.capture import analyse_capture_bytes
from datatrail.errors import InputError
from tests.support.corpus import corpus_files
from tests.support.mutants import mutants

SUBJECTS = {
    "pcap": "net/ndpi/pcap/iphone.pcap",
    "pcapdroid": "net/pcapdroid/metadata.pcap",
    "har": "net/mitmproxy/flows/diff_data.har",
    "mitmproxy": "net/mitmproxy/flows/diff_data.mitm",
}
COUNT = 150
SECONDS = 5.0
TRACED_EVERY = 8


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
def test_mutants_end_cleanly_in_bounded_time_and_memory(kind: str) -> None:
    found = corpus_files(SUBJECTS[kind])
    if not found:
        pytest.skip("test corpus not found (set DATATRAIL_CORPUS)")
    original = found[0].read_bytes()
    done = 0
    for index, data in mutants(original, COUNT, seed=zlib.crc32(kind.encode())):
        traced = index % TRACED_EVERY == 0
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            analyse_capture_bytes(data, f"mutant-{index}", attribute=index % 4 == 0)
        except InputError:
            pass  # refused with a clear error; anything else fails the test here
        finally:
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
            if traced:
                tracemalloc.stop()
        done += 1
        if not traced:
            assert elapsed < SECONDS, f"{kind} mutant {index} took {elapsed:.1f} s"
        assert peak < (48 << 20) + 16 * len(data), f"{kind} mutant {index}: peak {peak >> 20} MiB for {len(data)} bytes"
    assert done == COUNT
