"""Apps built for the service's page tests: one whose label and strings are hostile, and two
versions of one package that differ in permissions and in the countries their hosts are in."""

from __future__ import annotations

from pathlib import Path

from tests.support.factories import Elem, build_apk

HOSTILE_LABEL = '<script>alert("label")</script>"><img src=x onerror=alert(2)>\u202egnp.exe\x1b[31m red'
"""HTML that would run, an attribute break-out, a right-to-left override and an ANSI escape."""
HOSTILE_PACKAGE = "com.hostile.app"
VERSIONED = "org.example.versions"


def hostile_apk(directory: Path) -> Path:
    config = (b'{"api": "https://api.hostile-example.com/v1?x=\\"><script>alert(3)</script>",'
              b' "help": "javascript:alert(4)", "cn": "https://log.umeng.com/app"}')
    data = build_apk(HOSTILE_PACKAGE, permissions=("android.permission.INTERNET",),
                     application=Elem("application", {"android:label": HOSTILE_LABEL}),
                     files={"assets/config.json": config})
    path = directory / "hostile.apk"
    path.write_bytes(data)
    return path


def two_versions(directory: Path) -> tuple[Path, Path]:
    """Version 1 asks for the network only; version 2 also for contacts and location, and names a host in China."""
    old = build_apk(VERSIONED, version_code=1, permissions=("android.permission.INTERNET",),
                    application=Elem("application", {"android:label": "Versions"}),
                    files={"assets/config.json": b'{"api": "https://api.example.org/v1"}'})
    new = build_apk(VERSIONED, version_code=2,
                    permissions=("android.permission.INTERNET", "android.permission.READ_CONTACTS",
                                 "android.permission.ACCESS_FINE_LOCATION"),
                    application=Elem("application", {"android:label": "Versions"}),
                    files={"assets/config.json": b'{"api": "https://api.example.org/v1", "log": "https://log.umeng.com/app"}'})
    paths = directory / "versions-1.apk", directory / "versions-2.apk"
    paths[0].write_bytes(old)
    paths[1].write_bytes(new)
    return paths
