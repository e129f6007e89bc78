"""Colour on a terminal, none with NO_COLOR, and the terminal's width: the real command in a pseudo-terminal.

The other tests run ``main()`` with standard output captured, which is never a
terminal; here ``datatrail`` runs as its own process whose standard output is
the slave side of a pty with a window size set (TIOCSWINSZ) and no $COLUMNS,
so what it learns of the terminal comes from the terminal alone.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.support.golden import FIXTURES
from tests.support.realworld import HERE

_TIMEOUT = 120.0
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_ENVIRONMENT_SAYS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                     "TERM", "COLORTERM", "JUPYTER_COLUMNS", "JUPYTER_LINES")
"""What would tell the program about the terminal other than the terminal itself."""


def _colours(text: str) -> list[str]:
    """The SGR parameters in ``text`` that set a colour (foreground or background, any palette); bold or dim are not colour."""
    found = []
    for match in _SGR.finditer(text):
        params = [p for p in match.group(1).split(";") if p]
        i = 0
        while i < len(params):
            n = int(params[i])
            if n in (38, 48):  # 38;5;N or 38;2;R;G;B: one colour, its arguments skipped
                found.append(match.group(1))
                i += 3 if i + 1 < len(params) and params[i + 1] == "5" else 5
                continue
            if 30 <= n <= 37 or 40 <= n <= 47 or 90 <= n <= 97 or 100 <= n <= 107:
                found.append(match.group(1))
            i += 1
    return found


def _in_pty(args: list[str], columns: int, tmp_path: Path, **env: str) -> str:
    """Standard output of ``datatrail ARGS`` on a pty ``columns`` wide, line ends as "\\n"; fails after _TIMEOUT."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    clean = {k: v for k, v in os.environ.items() if k not in _ENVIRONMENT_SAYS}
    clean |= {"TERM": "xterm-256color", "DATATRAIL_DATA_DIR": str(tmp_path / "data")} | env
    with (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "datatrail.cli", *args], stdin=slave, stdout=slave, stderr=err,
                                cwd=HERE, env=clean, start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + _TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail(f"datatrail {' '.join(args)} did not finish in {_TIMEOUT:.0f} s on a pty")
            ready, _, _ = select.select([master], [], [], min(left, 1.0))
            if not ready:
                if proc.poll() is not None and not select.select([master], [], [], 0.2)[0]:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the slave side is closed, everything is read
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert code == 0, (tmp_path / "stderr").read_text(errors="replace")
    return out.decode("utf-8").replace("\r\n", "\n")


def _plain_lines(text: str) -> list[str]:
    return _ESCAPES.sub("", text).splitlines()


def _needs(*paths: Path) -> None:
    for path in paths:
        if not path.is_file():
            pytest.skip(f"{path} is absent (tests/data/realworld: see its SOURCES.md)")


_COMMANDS = {
    "scan": ["scan", "vk-sdk-samples.apk"],
    "diff": ["diff", "ponyexpress.apk", "ponymusic.apk"],
    "capture": ["capture", str(FIXTURES / "capture" / "labelled.har")],
}


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_on_a_terminal_there_is_colour_and_the_terminal_width(command: str, tmp_path: Path) -> None:
    args = _COMMANDS[command]
    _needs(*(HERE / a for a in args[1:] if a.endswith(".apk")))
    columns = 71  # not a width anything defaults to
    out = _in_pty(args, columns, tmp_path)
    assert _colours(out), f"{command}: no colour on a terminal"
    lines = _plain_lines(out)
    assert len(lines) > 10 and max(map(cell_len, lines)) <= columns  # in cells: 快递 takes four
    assert max(map(cell_len, lines)) >= columns - 10  # laid out in the terminal's width, not a narrower default
    assert "What" in lines[0] or "╭" in lines[0]  # the verdict's panel first


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_no_color_means_no_colour_on_a_terminal_too(command: str, tmp_path: Path) -> None:
    args = _COMMANDS[command]
    _needs(*(HERE / a for a in args[1:] if a.endswith(".apk")))
    out = _in_pty(args, 100, tmp_path, NO_COLOR="1")
    assert _colours(out) == [], f"{command}: colour despite NO_COLOR"
    assert max(map(cell_len, _plain_lines(out))) <= 100
    if command != "scan":  # the recorded views drop every style; scan's live console keeps bold (NO_COLOR is about colour)
        assert "\x1b" not in out
