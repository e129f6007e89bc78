"""The fuzz harnesses (fuzz/): each parser family survives its seeds and the committed regression inputs,
and a short coverage-guided smoke of every harness finds no crash (make fuzz runs the long campaign)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
REGRESSIONS = Path(__file__).resolve().parent / "fixtures" / "fuzz"
sys.path.insert(0, str(FUZZ))

from harnesses import HARNESSES, all_seeds  # noqa: E402


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_each_harness_runs_its_seeds_and_regressions(name: str) -> None:
    harness = HARNESSES[name]
    inputs = all_seeds(harness) + [p.read_bytes() for p in sorted((REGRESSIONS / name).glob("*"))]
    for data in inputs:
        try:
            harness.run(data)
        except harness.allowed:
            pass  # documented: a damaged input is refused with a clear error


def test_a_short_coverage_guided_smoke_finds_no_crash(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris not installed (pip install -e '.[fuzz]'; x86_64 wheels only)")
    proc = subprocess.run([sys.executable, str(FUZZ / "run.py"), "--seconds", "2", "--crashes", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    rows = [line.split() for line in proc.stdout.splitlines()[1:] if line and line.split()[0] in HARNESSES]
    assert {row[0] for row in rows} == set(HARNESSES), proc.stdout + proc.stderr[-2000:]
    assert all(int(row[1].replace(",", "")) > 0 for row in rows), proc.stdout  # every harness really ran
    crashes = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".log"))
    assert proc.returncode == 0 and crashes == [], proc.stdout + "\n" + "\n".join(crashes)
