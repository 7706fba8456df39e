#!/usr/bin/env bash
# Installs the Debian/Ubuntu system packages Ringside uses: at run time the offline speech engines
# (espeak-ng for text to speech; pocketsphinx with its US English model for recognition; the speech
# crate loads their shared libraries at run time, so no -dev package is needed to build), and for
# the test suite headless Chromium (the console's browser test, tests/console), the SIP peers
# SIPp (sip-tester) and baresip (tests/sip), and PostgreSQL's server binaries (the store's tests
# start a throwaway server of their own; no system cluster is created or started).
# Idempotent: does nothing when every package is installed; otherwise runs `apt-get update` once
# and installs the missing ones non-interactively (as root, or through sudo).
#   scripts/system-packages.sh             install, fail if that is impossible (CI, scripts/test)
#   scripts/system-packages.sh --optional  only the run-time packages; warn and carry on when they
#                                          cannot be installed (scripts/serve: speech is then
#                                          reported unavailable, everything else works)
# RINGSIDE_SKIP_SYSTEM_PACKAGES=1 skips the script (the speech tests then print why they skip).
set -euo pipefail
PACKAGES=(espeak-ng libespeak-ng1 pocketsphinx pocketsphinx-en-us libpocketsphinx3)
OPTIONAL=false
if [[ "${1:-}" == "--optional" ]]; then
  OPTIONAL=true
else
  PACKAGES+=(chromium sip-tester baresip-core postgresql)
fi
log() { printf 'system-packages: %s\n' "$*" >&2; }
give_up() {
  if $OPTIONAL; then log "WARNING: $* (speech will be unavailable)"; exit 0; fi
  log "ERROR: $*"; exit 1
}

[[ "${RINGSIDE_SKIP_SYSTEM_PACKAGES:-}" == "1" ]] && { log "skipped (RINGSIDE_SKIP_SYSTEM_PACKAGES=1)"; exit 0; }
command -v dpkg-query >/dev/null || give_up "not a Debian/Ubuntu system; install ${PACKAGES[*]} by hand"

missing=()
for package in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "all installed (${PACKAGES[*]})"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  give_up "missing ${missing[*]}, and neither root nor password-less sudo to install them"
fi
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's postgresql creates and starts a "main" cluster on install; the tests need only the binaries.
if [[ " ${missing[*]} " == *" postgresql "* && ! -e /etc/postgresql-common/createcluster.conf ]]; then
  "${SUDO[@]}" mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | "${SUDO[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
"${SUDO[@]}" apt-get update -qq >&2 || give_up "apt-get update failed"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}" >&2 \
  || give_up "apt-get install ${missing[*]} failed"
log "installed ${missing[*]}"
