"""URLs the code only hands to people (an Intent to view them, the screen) are references; URLs
it fetches stay endpoints. On real apps, with dexdump's disassembly as the oracle for the sites."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from datatrail.app.android.load import load_android
from datatrail.app.android.string_use import PEOPLE_REASON, people_sites
from datatrail.app.pipeline import scan_file
from tests.support.realworld import HERE, present_apks

BALDPHONE = HERE / "baldphone.apk"
LICENCES = "https://sites.google.com/view/baldphone-open-source-licenses/home"


def _index(apk: Path, text: str) -> tuple[str, int]:
    art = load_android(apk)
    for dex in art.dex_files:
        strings = dex.strings()
        if text in strings:
            return dex.name, strings.index(text)
    raise AssertionError(f"{text} not in {apk}")


def test_a_licences_page_opened_with_an_intent_is_a_reference() -> None:
    report = scan_file(BALDPHONE)
    refs = {d.endpoint.host: d.endpoint for d in report.references}
    assert refs["sites.google.com"].role_reason == PEOPLE_REASON
    assert "sites.google.com" not in {d.endpoint.host for d in report.destinations}


def test_the_site_reads_like_dexdump_says() -> None:
    if shutil.which("dexdump") is None:
        pytest.skip("dexdump not installed (apt-get install dexdump)")
    site = _index(BALDPHONE, LICENCES)
    assert people_sites(load_android(BALDPHONE), [site]) == {site}
    # dexdump: the const-string of the URL, then Uri.parse and an Intent taking the result.
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(BALDPHONE) as z:
        z.extract(site[0], tmp)
        listing = subprocess.run(["dexdump", "-d", str(Path(tmp) / site[0])], capture_output=True, text=True, errors="replace", timeout=300).stdout
    lines = listing.splitlines()
    at = next(i for i, line in enumerate(lines) if "const-string" in line and LICENCES in line)
    after = "\n".join(lines[at : at + 10])
    assert re.search(r"Landroid/net/Uri;\.parse", after) and "Landroid/content/Intent;" in after


def test_urls_the_code_fetches_stay_endpoints() -> None:
    # Every endpoint the truth set labels as such and the scan reports stays one: none demoted.
    for apk in present_apks():
        report = scan_file(apk)
        demoted = [d.endpoint.host for d in report.references if d.endpoint.role_reason == PEOPLE_REASON]
        assert not {"api.deezer.com", "news-at.zhihu.com", "android.bugly.qq.com"} & set(demoted), apk
