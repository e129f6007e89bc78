#!/usr/bin/env bash
# Fetch the demo APK: NetEase's Yosemite, the helper app the Airtest test framework installs on
# Android devices, shipped inside the PyPI sdist airtest==1.3.5 (Apache-2.0). A real app with a
# Chinese SDK (Tencent TBS) and hosts of Chinese companies: the demo shows what datatrail is for.
# Both the sdist's and the APK's sha256 are pinned. Once fetched, `make demo` runs offline.
set -euo pipefail
dest=${1:?usage: fetch-demo-apk.sh DEST_DIR}
SDIST=airtest==1.3.5
SDIST_SHA=96a08f36800721c9bd0e118e865b2afc4d757f35e11f2ce49ea98bbb88cbeee8
APK_SHA=127fc50445429f06c6bd4f66ff742323b66b5ebf45fada31eed95c44205fdebc
APK_PATH=airtest-1.3.5/airtest/core/android/static/apks/Yosemite.apk
out="$dest/Yosemite.apk"
mkdir -p "$dest"
if [ -f "$out" ] && echo "$APK_SHA  $out" | sha256sum -c --quiet 2>/dev/null; then exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pip_bin=${PIP:-.venv/bin/pip}
echo "fetching the demo app from PyPI ($SDIST, 50 MB, once)..."
if ! "$pip_bin" download --quiet --no-deps --no-binary :all: "$SDIST" -d "$tmp" 2>"$tmp/pip.log"; then
  grep -v '^WARNING: Location' "$tmp/pip.log" | tail -3 >&2 || true
  echo "make demo: could not download $SDIST from PyPI (offline?). Run 'make demo' again when online," >&2
  echo "or put the APK (sha256 $APK_SHA) at $out yourself." >&2
  exit 1
fi
sdist="$tmp/airtest-1.3.5.tar.gz"
echo "$SDIST_SHA  $sdist" | sha256sum -c --quiet
tar -xzf "$sdist" -C "$tmp" "$APK_PATH"
echo "$APK_SHA  $tmp/$APK_PATH" | sha256sum -c --quiet
mv "$tmp/$APK_PATH" "$out"
echo "fetched $out (sha256 $APK_SHA; Apache-2.0, from $SDIST)"
