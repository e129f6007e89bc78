"""Output files: replaced atomically when they are files; written in place when they are a pipe or
a device, never replaced by a file (``-o /dev/null`` as root once replaced the device)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from datatrail.cli.commands.common import OutputError, write_output


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "report.json"
    write_output("first\n", out)
    write_output("second\n", out)
    assert out.read_text() == "second\n" and not list(tmp_path.rglob("*.part"))


def test_a_pipe_is_written_in_place_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output("through the pipe\n", fifo)
    reader.join(timeout=10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and not (tmp_path / "pipe.part").exists()


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(OutputError, match="blocker is a file"):
        write_output("x", tmp_path / "blocker" / "out.json")
