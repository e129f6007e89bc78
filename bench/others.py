"""The other tools the benchmark runs that live outside the repository's venv.

exodus-core is installed from PyPI, pinned, into ``bench/.venvs/exodus-core``
by the benchmark itself (never by the tests), the first time it is asked for.
Its static analysis normally downloads the tracker list from
reports.exodus-privacy.eu.org; the driver below hands it the ETIP snapshot in
``shared/data/etip-trackers.json`` instead (the list datatrail's Exodus rules
come from) and blocks sockets, so a run cannot reach the network. It lists the
classes of every dex with the ``dexdump`` program, as exodus does in
production, so ``dexdump`` must be on PATH (Debian: ``apt-get install dexdump``).

MobSF (pip ``mobsf``, pinned) needs Python >= 3.12: its venv
``bench/.venvs/mobsf`` is made with the first ``python3.12`` on PATH (here
pyenv's 3.12.1). Its static analyser is a Django view; the driver below sets
Django up on a private MobSF home (``bench/.cache/mobsf-home``: database,
uploads), registers the APK the way an upload does and calls the view as the
REST API does. Sockets are blocked, so MobSF skips its update checks and the
tracker database update, and JADX, which MobSF downloads from GitHub on
first use, is missing: MobSF logs that decompilation failed and carries on
with the rest of its static analysis (manifest, certificates, APKiD, trackers,
smali, code and API rules, strings) - the "without JADX" figure of the issue.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
VENVS_DIR = BENCH_DIR / ".venvs"
EXODUS_PIN = "exodus-core==1.3.15"
EXODUS_VENV = VENVS_DIR / "exodus-core"
MOBSF_PIN = "mobsf==4.5.3"
MOBSF_VENV = VENVS_DIR / "mobsf"
MOBSF_HOME = BENCH_DIR / ".cache" / "mobsf-home"

# Run by the exodus venv's interpreter: argv = [apk, tracker list JSON].
EXODUS_DRIVER = """\
import json, socket, sys
from collections import namedtuple

def _offline(*args, **kwargs):
    raise OSError("network disabled by the datatrail benchmark")

socket.socket.connect = _offline
socket.create_connection = _offline
from loguru import logger
from exodus_core.analysis.static_analysis import StaticAnalysis
logger.remove()
with open(sys.argv[2], encoding="utf-8") as fh:
    entries = json.load(fh)["trackers"]
analysis = StaticAnalysis(sys.argv[1])
# What load_trackers_signatures() builds from the web API, from the local list.
analysis.signatures = [namedtuple("tracker", e.keys())(*e.values()) for e in entries]
analysis._compile_signatures()
found = analysis.detect_trackers()
print(json.dumps(sorted(t.name for t in found)))
"""


# Run by the MobSF venv's interpreter: argv = [apk, MobSF home directory].
MOBSF_DRIVER = """\
import os, shutil, socket, sys

def _offline(*args, **kwargs):
    raise OSError("network disabled by the datatrail benchmark")

socket.socket.connect = _offline
socket.create_connection = _offline
apk, home = sys.argv[1], sys.argv[2]
os.environ["MOBSF_HOME_DIR"] = home
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobsf.MobSF.settings")
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
if "StaticAnalyzer_recentscansdb" not in connection.introspection.table_names():
    for args in (["makemigrations"], ["makemigrations", "StaticAnalyzer"], ["migrate"]):
        call_command(*args, verbosity=0)
from mobsf.MobSF.views.scanning import add_to_recent_scan, handle_uploaded_file
from mobsf.StaticAnalyzer.views.android.static_analyzer import static_analyzer
with open(apk, "rb") as fh:
    md5 = handle_uploaded_file(fh, ".apk")
add_to_recent_scan({"analyzer": "static_analyzer", "scan_type": "apk",
                    "file_name": os.path.basename(apk), "hash": md5})
request = RequestFactory().post("/api/v1/scan", {"hash": md5, "re_scan": "1"})
request.user = AnonymousUser()
result = static_analyzer(request, md5, api=True)
shutil.rmtree(os.path.join(settings.UPLD_DIR, md5), ignore_errors=True)
if not isinstance(result, dict) or "error" in result:
    sys.exit(f"MobSF static analysis failed: {str(result)[:300]}")
"""


def exodus_python() -> Path:
    return EXODUS_VENV / "bin" / "python"


def ensure_exodus(base_python: Path) -> str:
    """Create the pinned exodus-core venv when missing; '' when ready, else why it cannot run."""
    if shutil.which("dexdump") is None:
        return "dexdump not on PATH (exodus-core lists classes with it; Debian: apt-get install dexdump)"
    return _install(EXODUS_VENV, str(base_python), EXODUS_PIN)


def mobsf_python() -> Path:
    return MOBSF_VENV / "bin" / "python"


def _install(venv: Path, base_python: str, pin: str) -> str:
    """A venv at ``venv`` with ``pin`` from PyPI, once; '' when ready, else why not."""
    stamp = venv / f".installed-{pin}"
    if stamp.is_file() and (venv / "bin" / "python").is_file():
        return ""
    print(f"bench: installing {pin} into {venv} (once; a few minutes)", file=sys.stderr)
    try:
        subprocess.run([base_python, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", pin],
                       check=True, capture_output=True, timeout=1800)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        tail = detail.decode("utf-8", errors="replace").strip().splitlines()[-1:] if detail else []
        return f"could not install {pin} from PyPI ({type(exc).__name__}{': ' + tail[0] if tail else ''})"
    stamp.touch()
    return ""


def ensure_mobsf() -> str:
    """Create the pinned MobSF venv when missing; '' when ready, else why it cannot run."""
    python312 = shutil.which("python3.12")
    if python312 is None:
        return "MobSF needs Python >= 3.12 and no python3.12 is on PATH (pyenv or apt can provide one)"
    if shutil.which("java") is None:
        return "MobSF converts dex to smali with Java and no java is on PATH"
    reason = _install(MOBSF_VENV, python312, MOBSF_PIN)
    if not reason:
        MOBSF_HOME.mkdir(parents=True, exist_ok=True)
    return reason
