"""An input read only in part says so first, everywhere: the report, every renderer and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datatrail.app.pipeline import scan_file
from datatrail.cli.main import EXIT_OK, main
from datatrail.report.html import to_html
from datatrail.report.html.verdict import verdict
from tests.support.corpus import corpus_dir, corpus_files

EXIT_PARTIAL = 4


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 300 KB of a 3 MB real app: its manifest and the start of its DEX are there, the rest is not."""
    source = corpus_dir() / "apk" / "exodus-core" / "instapaper.apk"
    path = tmp_path_factory.mktemp("cut") / "instapaper-head.apk"
    path.write_bytes(source.read_bytes()[:300_000])
    return path


def test_a_cut_apk_is_reported_incomplete_with_what_was_lost(cut: Path) -> None:
    report = scan_file(cut)
    done = report.completeness
    assert not done.complete
    assert any("classes.dex" in line and "runs past the end" in line for line in done.unread)
    assert done.classes_declared == 4249 and done.classes_read == 0  # the header's count; its class_defs lie past the cut
    # Evidence may be cut short too: no SDK is more than medium.
    assert report.sdks and all(s.confidence in ("medium", "low") for s in report.sdks)


@pytest.mark.parametrize("path", corpus_files("apk/**/*.apk", "apk/**/*.aab", "sdk/android/**/*.jar", "sdk/android/**/*.aar"),
                         ids=lambda p: p.name)
def test_whole_corpus_packages_are_complete_and_every_class_is_read(path: Path) -> None:
    report = scan_file(path)
    done = report.completeness
    assert done.complete, done.unread
    if report.app.dex_count:
        assert done.classes_declared is not None and done.classes_read == done.classes_declared


def test_the_renderers_say_it_first(cut: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = scan_file(cut)
    page = to_html(report)
    assert page.index("Analysed only in part.") < page.index('class="headline"')
    bare = verdict(report.__class__(**{**{f: getattr(report, f) for f in report.__dataclass_fields__}, "destinations": ()}))
    assert bare.headline.startswith("Names no servers in the parts of its code and files that could be read")

    assert main(["scan", str(cut), "--format", "sarif", "-o", str(tmp_path / "r.sarif")]) == EXIT_PARTIAL
    invocation = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any(n["level"] == "error" and "runs past the end" in n["message"]["text"] for n in invocation["toolExecutionNotifications"])

    assert main(["scan", str(cut), "--format", "cyclonedx", "-o", str(tmp_path / "r.cdx.json")]) == EXIT_PARTIAL
    props = json.loads((tmp_path / "r.cdx.json").read_text())["metadata"]["properties"]
    assert {"name": "datatrail:complete", "value": "false"} in props

    from datatrail.labels.derive import derive_from_report
    from datatrail.report.label import label_text, to_label

    doc = json.loads(to_label(report))
    assert doc["complete"] is False and doc["unread"] == list(report.completeness.unread)
    assert label_text(derive_from_report(report)).startswith("Analysed only in part (5 part(s) of the app could not be read)")
    whole = scan_file(corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk")
    assert "complete" not in json.loads(to_label(whole))  # the key is there only when something was not read

    capsys.readouterr()
    assert main(["scan", str(cut)]) == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert captured.out.lstrip().startswith("╭─ Incomplete")
    assert "analysed only in part" in captured.err and "--accept-partial" in captured.err


def test_accept_partial_exits_zero_and_complete_inputs_never_exit_four(cut: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert main(["scan", str(cut), "--format", "json", "-o", str(out), "--accept-partial"]) == EXIT_OK
    assert json.loads(out.read_text())["completeness"]["complete"] is False
    whole = corpus_dir() / "apk" / "androguard" / "com.politedroid_4.apk"
    assert main(["scan", str(whole), "--format", "json", "-o", str(out)]) == EXIT_OK
    assert json.loads(out.read_text())["completeness"] == {
        "complete": True, "unread": [], "classes_declared": 10, "classes_read": 10}  # androguard: 10 classes


def test_an_apk_without_its_manifest_is_a_damaged_apk_not_a_jar(tmp_path: Path) -> None:
    import zipfile

    from tests.support.realworld import HERE

    source = HERE / "countly-sample.apk"
    path = tmp_path / "no-manifest.apk"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            if info.filename != "AndroidManifest.xml":
                out.writestr(info, src.read(info))
    report = scan_file(path)
    assert report.inputs[0].kind == "apk"
    assert not report.completeness.complete
    assert any("no AndroidManifest.xml" in line for line in report.completeness.unread)
    assert main(["scan", str(path), "-o", str(tmp_path / "r.json"), "--format", "json"]) == EXIT_PARTIAL
    # A dex-only JAR (no resource table) is still a JAR.
    jar = tmp_path / "classes.jar"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(jar, "w") as out:
        out.writestr("classes.dex", src.read("classes.dex"))
    assert scan_file(jar).inputs[0].kind == "jar"
