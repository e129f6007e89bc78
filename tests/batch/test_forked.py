"""A second core for one app: the forked stage gives the same report, and failures fall back."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from datatrail.app.android import pipeline as scan_android
from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch.forked import ForkedCall, ForkFailed
from datatrail.report.json import to_dict
from tests.support.corpus import corpus_files

APPS = [p for p in corpus_files("apk/**/*.apk") if p.stat().st_size > 1_000_000][:6]


def _comparable(path: Path, parallel: bool) -> dict[str, object]:
    doc = to_dict(scan_file(path, ScanOptions(parallel=parallel)))
    doc.pop("timings")
    doc.pop("generated_at")
    return doc


@pytest.mark.parametrize("path", APPS, ids=lambda p: p.name)
def test_forked_endpoints_give_the_same_report(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_android, "PARALLEL_MIN_CODE_BYTES", 0)  # fork even for small corpus apps
    calls: list[int] = []
    real = scan_android.ForkedCall

    def counting(*args: object) -> ForkedCall[object]:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scan_android, "ForkedCall", counting)
    assert _comparable(path, parallel=True) == _comparable(path, parallel=False)
    assert calls == [1]


def _boom() -> int:
    raise RuntimeError("no result")


def _die() -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def _unpicklable() -> object:
    return lambda: None


def test_results_and_failures() -> None:
    assert ForkedCall(sum, [1, 2, 3]).result() == 6
    for fn in (_boom, _die, _unpicklable):
        with pytest.raises(ForkFailed):
            ForkedCall(fn).result()


def test_cancel_reaps_the_child() -> None:
    call = ForkedCall(__import__("time").sleep, 30)
    pid = call._pid
    call.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_failed_fork_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    path = APPS[0] if APPS else pytest.skip("no corpus")
    monkeypatch.setattr(scan_android, "PARALLEL_MIN_CODE_BYTES", 0)
    monkeypatch.setattr(scan_android, "_endpoints_and_log", lambda art: _boom())
    assert _comparable(path, parallel=True) == _comparable(path, parallel=False)


def test_diagnostics_of_shared_lazy_views_are_not_doubled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resources and the network security config are parsed lazily by whichever stage needs them
    first; with a fork both processes would, so their diagnostics must still appear once."""
    from tests.support.dex_factory import build_dex
    from tests.support.factories import Elem, build_apk

    application = Elem("application", {"android:allowBackup": False, "android:networkSecurityConfig": "res/xml/missing.xml"})
    apk = build_apk("com.example.app", application=application, files={
        "classes.dex": build_dex(["com.example.app.Main"], ("https://api.example.net/v1/track",)),
        "resources.arsc": b"\x02\x00\x0c\x00" + b"\xff" * 64,  # a damaged table: parsing it is a diagnostic
    })
    path = tmp_path / "app.apk"
    path.write_bytes(apk)
    monkeypatch.setattr(scan_android, "PARALLEL_MIN_CODE_BYTES", 0)
    serial, parallel = _comparable(path, parallel=False), _comparable(path, parallel=True)
    codes = [d["code"] for d in serial["diagnostics"]]  # type: ignore[index, union-attr]
    assert "nsc.missing" in codes and any(c.startswith("arsc") for c in codes)
    assert parallel == serial


def test_damage_both_processes_meet_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import struct

    from tests.support.dex_factory import build_dex
    from tests.support.factories import build_apk

    dex = bytearray(build_dex(["com.example.app.Main", "com.example.app.Net"], ("https://api.example.net/v1",)))
    string_ids_off = struct.unpack_from("<I", dex, 0x3C)[0]
    struct.pack_into("<I", dex, string_ids_off, 0xFFFFFF00)  # the first string's data lies outside the file
    path = tmp_path / "app.apk"
    path.write_bytes(build_apk("com.example.app", files={"classes.dex": bytes(dex)}))
    monkeypatch.setattr(scan_android, "PARALLEL_MIN_CODE_BYTES", 0)
    serial, parallel = _comparable(path, parallel=False), _comparable(path, parallel=True)
    assert any(d["code"].startswith("dex.") for d in serial["diagnostics"])  # type: ignore[index, union-attr]
    assert parallel == serial
