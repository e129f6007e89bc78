"""Only regular files are read: a FIFO or a device is refused at once, never waited on or read forever."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from datatrail.errors import UnsupportedInput
from datatrail.formats.common.regular import open_regular


def test_a_regular_file_opens(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    with open_regular(path) as fh:
        assert fh.read() == b"abc"


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    raised: list[BaseException] = []

    def attempt() -> None:
        try:
            open_regular(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            raised.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # a plain open() would wait here for a writer; let it go and fail
        with open(fifo, "wb"):
            pass
        pytest.fail("open_regular waited on a FIFO")
    assert len(raised) == 1 and isinstance(raised[0], UnsupportedInput)
    assert "pipe: a FIFO (named pipe), not a file datatrail reads" in str(raised[0])


@pytest.mark.parametrize(("path", "words"), [("/dev/zero", "a character device"), ("/", "a directory")])
def test_devices_and_directories_are_refused(path: str, words: str) -> None:
    with pytest.raises(UnsupportedInput, match=words):
        open_regular(path)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "nope")
