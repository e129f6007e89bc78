"""Hostile and broken iOS inputs: a clear error or diagnostics, bounded time, never a traceback."""

from __future__ import annotations

import json
import os
import plistlib
import random
import time
import zipfile
from pathlib import Path

import pytest

from datatrail.cli.main import EXIT_INPUT, EXIT_OK, main
from tests.support.corpus import corpus_dir
from tests.support.ipa_factory import build_ipa, real_executable

EXIT_PARTIAL = 4
_CODES = (EXIT_OK, EXIT_INPUT, EXIT_PARTIAL)


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object] | None, str]:
    t0 = time.perf_counter()
    code = main(["scan", str(path), "--format", "json"])
    assert time.perf_counter() - t0 < 30
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    doc = json.loads(out) if code in (EXIT_OK, EXIT_PARTIAL) else None
    if doc is not None:
        # A damaged input that still scans exits 4 exactly when its report says it is incomplete.
        assert doc["completeness"]["complete"] is (code == EXIT_OK)
    return code, doc, err


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.9, 0.999])
def test_truncated_ipa(fraction: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = (corpus_dir() / "ipa" / "app-info" / "embedded.ipa").read_bytes()
    cut = tmp_path / "cut.ipa"
    cut.write_bytes(raw[: int(len(raw) * fraction)])
    code, doc, err = _run(cut, capsys)
    assert code in _CODES
    if code == EXIT_INPUT:
        assert "cut.ipa" in err
    else:
        assert doc is not None and doc["diagnostics"], "a damaged IPA that still scans says what was odd"


def test_random_bytes_named_ipa(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "random.ipa"
    path.write_bytes(random.Random(8).randbytes(4096))
    code, _doc, err = _run(path, capsys)
    assert code == EXIT_INPUT and "not a format datatrail reads" in err


def test_empty_ipa(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.ipa"
    path.write_bytes(b"")
    code, _doc, err = _run(path, capsys)
    assert code == EXIT_INPUT and "empty" in err


def test_zip_bomb_in_payload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.ipa"
    zeros = bytes(64 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("Payload/Bomb.app/Info.plist", plistlib.dumps({"CFBundleIdentifier": "org.example.bomb", "CFBundleExecutable": "Bomb"}))
        z.writestr("Payload/Bomb.app/Bomb", zeros)
        z.writestr("Payload/Bomb.app/big.json", zeros)
    assert path.stat().st_size < 1 << 20
    code, doc, _err = _run(path, capsys)
    assert code in (EXIT_OK, EXIT_PARTIAL) and doc is not None
    diags = {(d["code"], d["location"]) for d in doc["diagnostics"]}  # type: ignore[index, union-attr]
    assert ("ios.entry-too-big", "Payload/Bomb.app/Bomb") in diags
    assert doc["app"]["package"] == "org.example.bomb"  # type: ignore[index]


def test_huge_and_broken_plists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plist.ipa"
    huge = plistlib.dumps({"CFBundleIdentifier": "x", "pad": "a" * (17 << 20)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Payload/P.app/Info.plist", huge)
        z.writestr("Payload/P.app/P", real_executable())
        z.writestr("Payload/P.app/PrivacyInfo.xcprivacy", b"<?xml version='1.0'?><plist><dict><key>NSPrivacyTracking</key>")
        z.writestr("Payload/P.app/embedded.mobileprovision", b"\x30\x82garbage")
        z.writestr("Payload/P.app/deep.plist", b"<plist>" + b"<array>" * 50_000 + b"</array>" * 50_000 + b"</plist>")
    code, doc, _err = _run(path, capsys)
    assert code in (EXIT_OK, EXIT_PARTIAL) and doc is not None
    diags = {(d["code"], d["location"]) for d in doc["diagnostics"]}  # type: ignore[index, union-attr]
    # Refused by its size before any parsing (the zip reader stops inflating at the plist limit).
    assert ("ios.entry-too-big", "Payload/P.app/Info.plist") in diags
    assert ("plist.unreadable", "Payload/P.app/PrivacyInfo.xcprivacy") in diags
    assert ("mobileprovision.unreadable", "Payload/P.app/embedded.mobileprovision") in diags
    assert doc["app"]["package"] is None  # type: ignore[index]
    assert doc["ios"]["binaries"]  # type: ignore[index]


def test_garbage_mach_o_in_an_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(3)
    exe = real_executable()
    for i, junk in enumerate([
        b"\xcf\xfa\xed\xfe" + rng.randbytes(64),  # thin magic, nonsense header
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + rng.randbytes(64),  # fat, table out of range
        exe[:4096],  # load commands cut
        b"!<arch>\n" + rng.randbytes(200),  # an ar archive of junk
    ]):
        path = build_ipa(tmp_path / f"g{i}.ipa", executable=junk)
        code, doc, _err = _run(path, capsys)
        assert code in (EXIT_OK, EXIT_PARTIAL) and doc is not None, i
        assert doc["app"]["package"] == "org.example.factory"  # type: ignore[index]


def test_symlink_out_of_an_app_folder_is_not_followed(tmp_path: Path) -> None:
    from datatrail.app.pipeline import scan_file

    app = tmp_path / "X.app"
    app.mkdir()
    (app / "Info.plist").write_bytes(plistlib.dumps({"CFBundleIdentifier": "org.example.x", "CFBundleExecutable": "X"}))
    secret = tmp_path / "secret.json"
    secret.write_text('{"u": "https://outside.example.net/"}')
    os.symlink(secret, app / "leak.json")
    report = scan_file(app)
    assert report.app.package == "org.example.x"
    assert all(d.endpoint.host != "outside.example.net" for d in report.destinations)
