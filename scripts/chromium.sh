#!/usr/bin/env bash
# Installs Debian's Chromium, and a font with Chinese glyphs for the zh-CN pages, for the
# console's browser tests (tests/console/browser) when they are missing; prints Chromium's path.
# Exit status: 0 Chromium is there, 1 it could not be installed, 2 this machine has no apt-get.
set -uo pipefail

chromium=/usr/bin/chromium
packages=()
[ -x "$chromium" ] || packages+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || packages+=(fonts-wqy-zenhei)
if [ ${#packages[@]} -eq 0 ]; then
  echo "$chromium"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! no apt-get on this machine: ${packages[*]} cannot be installed" >&2
  exit 2
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo -n)
fi
install() {
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q "${packages[@]}" >/dev/null
}
echo "» installing ${packages[*]} (Debian) for the console's browser tests" >&2
started=$SECONDS
# A fresh machine may not have read the package lists yet.
install || { "${as_root[@]}" apt-get update -q >/dev/null && install; }
if [ ! -x "$chromium" ]; then
  echo "!! installing Chromium failed (apt-get install ${packages[*]})" >&2
  exit 1
fi
echo "» installed in $((SECONDS - started)) s: $("$chromium" --version 2>/dev/null)" >&2
echo "$chromium"
