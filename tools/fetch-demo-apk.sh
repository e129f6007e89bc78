#!/usr/bin/env bash
# Fetch the demo APK: xiaocong's uiautomator JSON-RPC server app (MIT), shipped
# inside the PyPI sdist uiautomator==1.0.2. Both the sdist and the APK are pinned.
set -euo pipefail
dest=${1:?usage: fetch-demo-apk.sh DEST_DIR}
SDIST_SHA=48a41c36f8347b643ff215d41b73ab2b4f542a0e3f7b110b85f7952b70742744
APK_SHA=8396483903c1c514ff68ed86007e4faf217aae2a7111ef897745cbeb64febe7b
APK_PATH=uiautomator-1.0.2/uiautomator/libs/app-uiautomator-androidx.apk
out="$dest/app-uiautomator-androidx.apk"
mkdir -p "$dest"
if [ -f "$out" ] && echo "$APK_SHA  $out" | sha256sum -c --quiet 2>/dev/null; then exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pip_bin=${PIP:-.venv/bin/pip}
"$pip_bin" download --quiet --no-deps --no-binary :all: uiautomator==1.0.2 -d "$tmp" 2>&1 | grep -v '^WARNING: Location' || true
sdist="$tmp/uiautomator-1.0.2.tar.gz"
echo "$SDIST_SHA  $sdist" | sha256sum -c --quiet
tar -xzf "$sdist" -C "$tmp" "$APK_PATH"
echo "$APK_SHA  $tmp/$APK_PATH" | sha256sum -c --quiet
mv "$tmp/$APK_PATH" "$out"
echo "fetched $out (sha256 $APK_SHA)"
