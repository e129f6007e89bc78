"""MUTF-8 (DEX strings): the fast decode of what strict UTF-8 refuses agrees with the spot-by-spot handler."""

from __future__ import annotations

import random

import pytest

from datatrail.formats.android import dex
from datatrail.formats.android.dex import decode_mutf8


def _handler_only(raw: bytes) -> str:
    """The reference: every byte strict UTF-8 refuses goes through the error handler."""
    text = raw.decode("utf-8", dex._MUTF8_ERRORS)
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"a\xc0\x80b", "a\0b"),  # NUL as MUTF-8 writes it
        (b"\xed\xa0\xbd\xed\xb8\x80", "\U0001f600"),  # 😀 as two encoded surrogates
        (b"\xed\xa0\xbdx", "\ufffdx"),  # an unpaired high surrogate
        (b"\xe4\xb8\xad\xc0\x80", "中\0"),
        (b"\xc1\x81", "A"),  # an overlong form: decoded by bit pattern, as the runtime does
        (b"\xff", "\ufffd"),
    ],
)
def test_by_hand(raw: bytes, text: str) -> None:
    assert decode_mutf8(raw) == text == _handler_only(raw)


def test_agrees_with_the_handler_on_random_mixtures() -> None:
    rnd = random.Random(20261128)
    pieces = [b"a", b"\xc0\x80", b"\xed\xa0\xbd", b"\xed\xb8\x80", b"\xe4\xb8\xad", b"\xc3\xa9", b"\xf0\x9f\x98\x80",
              b"\x80", b"\xc0", b"\xed", b"\xe0\x80\x80", b"\xc1\x81", b"\xff", b"\xed\xa0", b"z"]
    refused = 0
    for _ in range(30_000):
        if rnd.random() < 0.3:
            raw = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 6)))
        else:
            raw = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        try:
            raw.decode("utf-8")
            continue
        except UnicodeDecodeError:
            refused += 1
        assert decode_mutf8(raw) == _handler_only(raw), raw
    assert refused > 20_000
