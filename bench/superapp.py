"""Build the synthetic "super-app": one APK with as much dex as the largest real apps.

WeChat- and TikTok-sized apps ship 150-300 MB of dex over dozens of
``classesN.dex`` files. No such app can be redistributed, so the benchmark
assembles one from real bytecode it is allowed to use:

- the manifest, ``resources.arsc``, ``res/`` and assets of a real corpus app
  (``apk/exodus-core/instapaper.apk``: Facebook SDK, Crashlytics, Firebase);
  its JAR signature files are left out, since the dex no longer match them;
- every distinct real DEX file (by sha256) of at least ``MIN_DEX_BYTES`` found in
  the shared corpus (bare ``.dex`` files and the dex inside its APKs, AABs and
  JARs) and in the large benchmark APKs, largest first.

That set (about 75 MB) is written into slots ``classes.dex``, ``classes2.dex``, ...
and then cycled again from the largest, until the dex total reaches
``TARGET_DEX_BYTES``. Repeated slots hold byte-identical copies of a real dex:
rewriting their strings would need re-sorting every string-indexed table, and
the copies cost a scanner exactly as much work as distinct files of the same
size, which is what the benchmark measures. Findings (SDKs, hosts) therefore
equal those of one pass over the set.

The result is deterministic (sorted inputs, fixed timestamps, deflate level 6)
and cached under ``bench/.cache/superapp/`` with a JSON recipe next to it
listing every slot's source and sha256; it is rebuilt only when the recipe
changes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

MIN_DEX_BYTES = 256 * 1024
TARGET_DEX_BYTES = 160_000_000
MIN_SLOTS = 30
BASE_APK = Path("apk/exodus-core/instapaper.apk")  # relative to shared/corpus
NAME = "superapp.apk"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)
MAX_MEMBER_BYTES = 64 * 1024 * 1024
SIGNATURE_SUFFIXES = (".SF", ".RSA", ".DSA", ".EC", "MANIFEST.MF")


@dataclass(frozen=True)
class DexSource:
    sha256: str
    size: int
    origin: str  # "corpus-relative path" or "path!member"


@dataclass(frozen=True)
class Slot:
    name: str
    sha256: str
    size: int
    origin: str


def _dex_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(member name, bytes) of every dex inside a zip archive; nothing when it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.filename.endswith(".dex") and 0 < info.file_size <= MAX_MEMBER_BYTES:
                    data = archive.read(info)
                    if data.startswith(b"dex\n"):
                        yield info.filename, data
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError):
        return


def collect_dex(corpus: Path, extra_apks: list[Path]) -> dict[str, tuple[DexSource, bytes]]:
    """Every distinct real dex of at least MIN_DEX_BYTES, keyed by sha256 (first origin in path order wins)."""
    found: dict[str, tuple[DexSource, bytes]] = {}

    def add(data: bytes, origin: str) -> None:
        if len(data) < MIN_DEX_BYTES:
            return
        digest = hashlib.sha256(data).hexdigest()
        if digest not in found:
            found[digest] = (DexSource(digest, len(data), origin), data)

    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    for path in [*files, *sorted(extra_apks)]:
        label = str(path.relative_to(corpus)) if path.is_relative_to(corpus) else path.name
        with path.open("rb") as fh:
            magic = fh.read(4)
        if magic == b"dex\n" and path.stat().st_size <= MAX_MEMBER_BYTES:
            add(path.read_bytes(), label)
        elif magic == b"PK\x03\x04":
            for member, data in _dex_members(path):
                add(data, f"{label}!{member}")
    return found


def plan_slots(sources: list[DexSource]) -> list[Slot]:
    """Largest first, cycled until TARGET_DEX_BYTES and MIN_SLOTS are both reached."""
    ordered = sorted(sources, key=lambda s: (-s.size, s.sha256))
    if not ordered:
        raise ValueError("no dex of at least MIN_DEX_BYTES found")
    slots: list[Slot] = []
    total = 0
    index = 0
    while total < TARGET_DEX_BYTES or len(slots) < MIN_SLOTS:
        source = ordered[index % len(ordered)]
        name = "classes.dex" if not slots else f"classes{len(slots) + 1}.dex"
        slots.append(Slot(name, source.sha256, source.size, source.origin))
        total += source.size
        index += 1
    return slots


def _zip_info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _write_apk(dest: Path, base: Path, slots: list[Slot], blobs: dict[str, bytes]) -> None:
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(tmp, "w") as out:
        for info in source.infolist():
            name = info.filename
            if name.endswith(".dex") or (name.startswith("META-INF/") and name.endswith(SIGNATURE_SUFFIXES)):
                continue
            out.writestr(_zip_info(name, info.compress_type), source.read(info), compresslevel=6)
        for slot in slots:
            out.writestr(_zip_info(slot.name, zipfile.ZIP_DEFLATED), blobs[slot.sha256], compresslevel=6)
    tmp.replace(dest)


def build(corpus: Path, extra_apks: list[Path], cache: Path) -> Path:
    """The super-app's path, built into ``cache`` unless an identical build is there already."""
    base = corpus / BASE_APK
    if not base.is_file():
        raise FileNotFoundError(f"{base} not found (the super-app takes its manifest and resources from it)")
    found = collect_dex(corpus, extra_apks)
    slots = plan_slots([source for source, _ in found.values()])
    recipe = {
        "base_apk": str(BASE_APK),
        "base_sha256": hashlib.sha256(base.read_bytes()).hexdigest(),
        "min_dex_bytes": MIN_DEX_BYTES,
        "target_dex_bytes": TARGET_DEX_BYTES,
        "dex_total_bytes": sum(s.size for s in slots),
        "slots": [asdict(s) for s in slots],
    }
    cache.mkdir(parents=True, exist_ok=True)
    dest = cache / NAME
    recipe_path = cache / "superapp.recipe.json"
    text = json.dumps(recipe, indent=1) + "\n"
    if dest.is_file() and recipe_path.is_file() and recipe_path.read_text(encoding="utf-8") == text:
        return dest
    _write_apk(dest, base, slots, {digest: data for digest, (_, data) in found.items()})
    recipe_path.write_text(text, encoding="utf-8")
    return dest


def main(argv: list[str]) -> int:
    """``superapp.py CORPUS CACHE [APK...]``: build (or find) the super-app and print its path."""
    if len(argv) < 2:
        print("usage: superapp.py CORPUS_DIR CACHE_DIR [EXTRA_APK...]", file=sys.stderr)
        return 2
    try:
        path = build(Path(argv[0]), [Path(a) for a in argv[2:]], Path(argv[1]))
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        print(f"superapp: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
