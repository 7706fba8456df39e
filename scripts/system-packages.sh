#!/usr/bin/env bash
# Installs the Debian packages the test suite needs beyond the Rust toolchain, Node and Python:
# headless Chromium for the console's browser test (tests/console). Idempotent: packages already
# installed are left alone and `apt-get update` runs at most once, only when something is missing.
# Non-interactive. Needs root (or passwordless sudo) only when something must be installed.
set -euo pipefail

PACKAGES=(chromium)

log() { printf 'system-packages: %s\n' "$*" >&2; }

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if (( ${#missing[@]} == 0 )); then
  log "all present: ${PACKAGES[*]}"
  exit 0
fi

SUDO=()
if (( $(id -u) != 0 )); then
  command -v sudo >/dev/null || { log "ERROR: need root to install ${missing[*]}"; exit 1; }
  SUDO=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
log "installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q >&2
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
log "installed ${missing[*]}"
