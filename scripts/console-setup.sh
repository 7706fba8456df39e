#!/usr/bin/env bash
# Installs what the console's browser test (tests/console) needs: Debian's chromium (through
# scripts/system-packages.sh) and playwright-core from tests/console/package-lock.json, into a cache
# keyed by the lock file's content, $CACHE/console-node-<sha256(package-lock.json)[:12]>, linked as
# tests/console/node_modules. CACHE is $RINGSIDE_CACHE_DIR, default ~/.cache/ringside. An entry is
# used only when it carries the `.complete` marker written after a successful install, so the
# script is idempotent and recovers from an interrupted install. playwright-core downloads no
# browser: the test launches /usr/bin/chromium.
#
# On success it prints, on stdout only, a shell assignment for the caller to `eval`:
#   RINGSIDE_CONSOLE_NODE_MODULES=<node_modules dir>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/tests/console"
PACKAGE_JSON="$HERE/package.json"
PACKAGE_LOCK="$HERE/package-lock.json"
CACHE="${RINGSIDE_CACHE_DIR:-$HOME/.cache/ringside}"

log() { printf 'console-setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for file in "$PACKAGE_JSON" "$PACKAGE_LOCK"; do
  [[ -f "$file" ]] || die "missing $file"
done
command -v node >/dev/null || die "node not found (the browser test needs Node.js >= 20)"
command -v npm >/dev/null || die "npm not found"

bash "$ROOT/scripts/system-packages.sh" || die "scripts/system-packages.sh failed"
command -v chromium >/dev/null || die "chromium is not installed"

mkdir -p "$CACHE" || die "cannot create $CACHE"
exec 9>"$CACHE/.console-setup.lock"
if command -v flock >/dev/null; then
  flock -w 900 9 || die "timed out waiting for $CACHE/.console-setup.lock"
fi

NODE_DIR="$CACHE/console-node-$(sha256sum "$PACKAGE_LOCK" | cut -c1-12)"
NODE_MODULES="$NODE_DIR/node_modules"
if [[ -f "$NODE_DIR/.complete" && -d "$NODE_MODULES/playwright-core" ]]; then
  log "node_modules up to date: $NODE_MODULES"
else
  log "installing node_modules into $NODE_DIR (npm ci)"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$PACKAGE_JSON" "$PACKAGE_LOCK" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) \
    || { rm -rf "$NODE_DIR"; die "npm ci in $NODE_DIR failed"; }
  (cd "$NODE_DIR" && node -e 'require("playwright-core")') \
    || { rm -rf "$NODE_DIR"; die "the freshly installed node_modules cannot load playwright-core"; }
  touch "$NODE_DIR/.complete"
  log "node_modules ready"
fi

# ES modules ignore NODE_PATH: the test finds playwright-core through tests/console/node_modules.
if [[ -L "$HERE/node_modules" || ! -e "$HERE/node_modules" ]]; then
  ln -sfn "$NODE_MODULES" "$HERE/node_modules"
else
  die "$HERE/node_modules exists and is not a link; remove it"
fi
printf 'RINGSIDE_CONSOLE_NODE_MODULES=%q\n' "$NODE_MODULES"
