"""One input's outcome: with --resolve, a resolver that answered nothing is said, not hidden."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from datatrail.app.options import ScanOptions
from datatrail.app.pipeline import scan_file
from datatrail.batch import BatchInput
from datatrail.batch.analyse import analyse
from datatrail.batch.outcome import Lookups, Status
from tests.support.dex_factory import build_dex
from tests.support.factories import build_apk


def _offline(host: str) -> list[str]:
    raise OSError(-3, "Temporary failure in name resolution")


def _app(tmp_path: Path) -> Path:
    path = tmp_path / "app.apk"
    dex = build_dex(["Lcom/example/app/Main;"], extra_strings=("https://api.tracker-example.com/v1/collect",
                                                              "https://cdn.other-example.net/x"))
    path.write_bytes(build_apk("com.example.app", permissions=("android.permission.INTERNET",), files={"classes.dex": dex}))
    return path


def test_an_offline_resolve_is_counted_and_warned_about(tmp_path: Path) -> None:
    app = _app(tmp_path)
    options = ScanOptions(resolve=True, resolver=_offline, resolver_name="offline test resolver")
    outcome = analyse(0, BatchInput(app), None, partial(scan_file, options=options))
    assert outcome.status is Status.ANALYSED and outcome.lookups is not None
    assert outcome.lookups.asked >= 1 and outcome.lookups.answered == 0
    warning = outcome.lookups.warning(app)
    assert warning is not None and warning.startswith(f"datatrail: warning: {app}: --resolve answered none of ")
    assert "Temporary failure in name resolution" in warning


def test_no_warning_when_some_host_answered_or_resolve_was_not_asked(tmp_path: Path) -> None:
    assert Lookups(3, 1, "NXDOMAIN").warning(tmp_path) is None
    assert Lookups(0, 0).warning(tmp_path) is None
    outcome = analyse(0, BatchInput(_app(tmp_path)), None, partial(scan_file, options=ScanOptions()))
    assert outcome.lookups is None
