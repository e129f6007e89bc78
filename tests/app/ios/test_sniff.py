"""Content sniffing of iOS inputs: Mach-O, fat files, static libraries, IPA layouts."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from datatrail.app.ios.load import is_ios_input
from datatrail.app.shared.sniff import Kind, sniff_archive, sniff_bytes
from datatrail.formats.common.zip import ZipArchive
from tests.support.corpus import corpus_dir


def test_magic_bytes() -> None:
    payload = corpus_dir() / "ipa" / "app-info" / "payload"
    assert sniff_bytes((payload / "FMDB.framework" / "FMDB").read_bytes()[:8]) is Kind.MACHO
    assert sniff_bytes((payload / "libswiftPhotos.dylib").read_bytes()[:8]) is Kind.MACHO
    assert sniff_bytes((corpus_dir() / "sdk" / "ios" / "adjust" / "AdjustSigSdk.a").read_bytes()[:8]) is Kind.MACHO  # fat of ar
    assert sniff_bytes((corpus_dir() / "sdk" / "ios" / "jiguang" / "libJPush-5.7.0-arm64.a").read_bytes()[:8]) is Kind.AR
    # A Java class file shares 0xcafebabe; its version sits where a fat header counts architectures.
    assert sniff_bytes(struct.pack(">IHHH", 0xCAFEBABE, 0, 52, 10)) is Kind.CLASS
    assert sniff_bytes(b"bplist00") is Kind.UNKNOWN


def _zip(tmp_path: Path, names: list[str]) -> ZipArchive:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n, b"x")
    return ZipArchive(path.read_bytes(), "x.zip")


def test_archive_layouts(tmp_path: Path) -> None:
    assert sniff_archive(_zip(tmp_path, ["Payload/A.app/Info.plist"])) is Kind.IPA
    assert sniff_archive(_zip(tmp_path, ["Build/Payload/A.app/Info.plist", "__MACOSX/Build/._x"])) is Kind.IPA
    assert sniff_archive(_zip(tmp_path, ["Payload/"])) is Kind.IPA
    assert sniff_archive(_zip(tmp_path, ["A.app/Info.plist", "A.app/A"])) is Kind.APP_BUNDLE
    assert sniff_archive(_zip(tmp_path, ["Lib.xcframework/Info.plist"])) is Kind.FRAMEWORK
    assert sniff_archive(_zip(tmp_path, ["docs/Payload.txt", "a/b/c/Payload/A.app/Info.plist"])) is Kind.ZIP
    # Android layouts keep winning.
    assert sniff_archive(_zip(tmp_path, ["AndroidManifest.xml", "classes.dex", "Payload/x"])) is Kind.APK


def test_dispatch_reads_only_what_it_needs() -> None:
    root = corpus_dir()
    assert is_ios_input(root / "ipa" / "app-info" / "iphone.ipa")
    assert is_ios_input(root / "sdk" / "ios" / "jiguang")
    assert is_ios_input(root / "ipa" / "app-info" / "payload" / "FMDB.framework")
    assert not is_ios_input(root / "apk" / "androguard" / "a2dp.Vol_137.apk")
    assert not is_ios_input(root / "ipa" / "fastlane" / "not-an-ipa.ipa")
    assert not is_ios_input(root / "apk")


def test_zip_that_only_names_payload_goes_to_the_android_loader(tmp_path: Path) -> None:
    from datatrail.app.pipeline import scan_file

    path = tmp_path / "lib.jar"
    with zipfile.ZipFile(corpus_dir() / "sdk" / "android" / "adjust" / "adjust-android-oaid.jar") as src, zipfile.ZipFile(path, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("docs/deep/er/Payload/readme.txt", b"x")
    assert is_ios_input(path)  # the cheap look is fooled...
    report = scan_file(path)   # ...the loader is not
    assert report.inputs[0].kind == "jar" and report.ios is None
