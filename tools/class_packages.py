"""Java packages defined in Android packages, with class counts, for hand-checking which SDKs'
code is really inside an app (the SDK half of ``tests/data/realworld/truth.json``).

    python tools/class_packages.py [--depth N] APK...

Prints, per app, every package prefix of up to N labels (default 4) and how many classes
the code defines under it, and the native libraries. Nothing of datatrail's SDK verdicts.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from datatrail.app.android.load import load_android


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("apks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.apks:
        art = load_android(path)
        counts: Counter[str] = Counter()
        for name in art.class_names:
            parts = name.split(".")[:-1]
            for n in range(1, min(len(parts), args.depth) + 1):
                counts[".".join(parts[:n])] += 1
        package = art.manifest.get("package") if art.manifest is not None else None
        print(f"== {path.name}  package={package}  classes={len(art.class_names)}")
        for prefix, count in sorted(counts.items()):
            print(f"   {count:6d}  {prefix}")
        libs = sorted({n.rsplit('/', 1)[-1] for n in (art.base.names() if art.base else []) if n.endswith(".so")})
        if libs:
            print("   native: " + " ".join(libs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
