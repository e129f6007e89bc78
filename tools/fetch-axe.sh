#!/usr/bin/env bash
# Fetch axe-core (MPL-2.0), the accessibility checker the browser tests inject into each page,
# from the npm registry; the tarball is pinned by sha256. Writes DEST_DIR/axe.min.js.
set -euo pipefail
dest=${1:?usage: fetch-axe.sh DEST_DIR}
VERSION=4.14.1
TGZ_SHA=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
out="$dest/axe.min.js"
mkdir -p "$dest"
if [ -f "$out" ] && [ -f "$dest/axe.version" ] && [ "$(cat "$dest/axe.version")" = "$VERSION" ]; then exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/axe.tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$VERSION.tgz" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[2], timeout=60) as r, open(sys.argv[1], "wb") as f:
    f.write(r.read())
PY
echo "$TGZ_SHA  $tmp/axe.tgz" | sha256sum -c --quiet
tar -xzf "$tmp/axe.tgz" -C "$tmp" package/axe.min.js
mv "$tmp/package/axe.min.js" "$out"
echo "$VERSION" > "$dest/axe.version"
echo "fetched $out (axe-core $VERSION)"
