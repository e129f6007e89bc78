"""List every host-shaped string in Android packages, before datatrail judges them, for
hand-labelling a truth set (``tests/data/realworld/truth.json``).

    python tools/host_mentions.py APK... > mentions.json

Each candidate comes with up to three places it was found and their text, and nothing of
datatrail's own verdict, so that a label is the labeller's, not the tool's.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from datatrail.app.android.endpoints import Mentions
from datatrail.app.android.load import load_android


def _mentions(path: Path) -> dict[str, object]:
    art = load_android(path)
    mentions = Mentions(art)
    hosts = []
    for host, sources, count in sorted(mentions.scan.candidates()):
        hosts.append({
            "host": host,
            "places": count,
            "seen": [{"location": s.location, "text": s.context} for s in sources[:3]],
        })
    return {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "package": mentions.package,
        "hosts": hosts,
    }


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    json.dump([_mentions(Path(a)) for a in argv], sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
