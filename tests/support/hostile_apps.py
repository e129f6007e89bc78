"""Apps whose label, permission texts and strings are hostile: terminal escapes, NULs, bidi
overrides, rich markup and HTML that would run if any renderer let it through."""

from __future__ import annotations

from pathlib import Path

from tests.support.dex_factory import build_dex
from tests.support.factories import Elem, build_apk
from tests.support.ipa_factory import build_ipa

__all__ = ["HOSTILE", "RAW", "hostile_apk", "hostile_ipa"]

HOSTILE = ("[bold red]X[/] [link=https://evil.example]click[/link] \x1b]0;pwn\x07 \x1b[2J \x9b31m "
           "<script>alert(1)</script> \"><img src=x onerror=alert(1)> javascript:alert(1) \u202eevil\u202c z\x00z")
RAW = ("\x1b", "\x07", "\x00", "\x9b", "\u202e", "\u202c")
"""Characters no text view may write raw."""


def hostile_apk(tmp_path: Path) -> Path:
    app = Elem("application", {"android:allowBackup": True, "android:label": HOSTILE, "android:debuggable": True})
    dex = build_dex(["Lcom/example/hostile/Main;"], extra_strings=("https://evil.example/\x1b[2J<script>x</script>",))
    path = tmp_path / "hostile.apk"
    path.write_bytes(build_apk("com.example.hostile", permissions=("android.permission.INTERNET",),
                               files={"classes.dex": dex}, application=app))
    return path


def hostile_ipa(tmp_path: Path) -> Path:
    return build_ipa(tmp_path / "hostile.ipa", {"CFBundleDisplayName": HOSTILE, "CFBundleName": HOSTILE,
                                                "NSCameraUsageDescription": HOSTILE})
