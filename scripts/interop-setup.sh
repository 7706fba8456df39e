#!/usr/bin/env bash
# Installs what the interop tests (tests/interop) need, into caches keyed by the lock files' content:
#   - a Python venv at  $CACHE/venv-<sha256(tests/interop/requirements.txt)[:12]>
#   - node_modules at   $CACHE/node-<sha256(tests/interop/package-lock.json)[:12]>/node_modules,
#     linked as tests/interop/node_modules so that the ES-module tests resolve their imports.
# CACHE is $RINGSIDE_CACHE_DIR, default ~/.cache/ringside. An entry is used only when it carries the
# `.complete` marker written after a successful install; otherwise it is rebuilt from scratch, so the
# script is idempotent, works from an empty cache and recovers from an interrupted install.
#
# On success it prints, on stdout only, shell assignments for the caller to `eval`:
#   RINGSIDE_INTEROP_PYTHON=<venv python>  RINGSIDE_INTEROP_NODE_MODULES=<node_modules dir>
# Progress and errors go to stderr; any failure exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INTEROP="$ROOT/tests/interop"
REQUIREMENTS="$INTEROP/requirements.txt"
PACKAGE_JSON="$INTEROP/package.json"
PACKAGE_LOCK="$INTEROP/package-lock.json"
CACHE="${RINGSIDE_CACHE_DIR:-$HOME/.cache/ringside}"
PYTHON="${RINGSIDE_PYTHON:-python3}"

log() { printf 'interop-setup: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for file in "$REQUIREMENTS" "$PACKAGE_JSON" "$PACKAGE_LOCK"; do
  [[ -f "$file" ]] || die "missing $file"
done
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (the interop tests need CPython 3.11 with venv and pip)"
command -v node >/dev/null || die "node not found (the interop tests need Node.js >= 20)"
command -v npm >/dev/null || die "npm not found"
command -v sha256sum >/dev/null || die "sha256sum not found"

hash12() { sha256sum "$1" | cut -c1-12; }
mkdir -p "$CACHE" || die "cannot create $CACHE"

# Serialises concurrent setups (several engineers or CI runs on one machine share the cache).
exec 9>"$CACHE/.interop-setup.lock"
if command -v flock >/dev/null; then
  flock -w 900 9 || die "timed out waiting for $CACHE/.interop-setup.lock"
fi

# --- Python -------------------------------------------------------------------------------------
VENV="$CACHE/venv-$(hash12 "$REQUIREMENTS")"
if [[ -f "$VENV/.complete" && -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  log "python venv up to date: $VENV"
else
  log "creating python venv $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "python3 -m venv $VENV failed"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$REQUIREMENTS" >&2 || { rm -rf "$VENV"; die "pip install -r $REQUIREMENTS failed"; }
  # Proves the clients under test import before the venv is marked usable.
  "$VENV/bin/python" -c 'import msal, azure.identity, azure.identity.aio, msgraph, msgraph_beta, jwt, pytest, aiohttp, httpx, h2' \
    || { rm -rf "$VENV"; die "the freshly installed venv cannot import the interop clients"; }
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
  touch "$VENV/.complete"
  log "python venv ready"
fi

# --- Node ---------------------------------------------------------------------------------------
NODE_DIR="$CACHE/node-$(hash12 "$PACKAGE_LOCK")"
NODE_MODULES="$NODE_DIR/node_modules"
if [[ -f "$NODE_DIR/.complete" && -d "$NODE_MODULES/@azure/identity" && -d "$NODE_MODULES/@microsoft/microsoft-graph-client" \
      && -d "$NODE_MODULES/@azure/communication-call-automation" && -d "$NODE_MODULES/@azure/eventgrid" && -d "$NODE_MODULES/ws" ]]; then
  log "node_modules up to date: $NODE_MODULES"
else
  log "installing node_modules into $NODE_DIR (npm ci)"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$PACKAGE_JSON" "$PACKAGE_LOCK" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) \
    || { rm -rf "$NODE_DIR"; die "npm ci in $NODE_DIR failed"; }
  (cd "$NODE_DIR" && node -e 'require("@azure/identity"); require("@microsoft/microsoft-graph-client"); require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials"); require("@azure/communication-call-automation"); require("@azure/eventgrid"); require("ws");') \
    || { rm -rf "$NODE_DIR"; die "the freshly installed node_modules cannot load the interop clients"; }
  touch "$NODE_DIR/.complete"
  log "node_modules ready"
fi

# ES modules ignore NODE_PATH: the tests find their packages through tests/interop/node_modules.
LINK="$INTEROP/node_modules"
if [[ -e "$LINK" && ! -L "$LINK" ]]; then
  die "$LINK exists and is not a symlink; remove it (the cached install is linked there)"
fi
if [[ "$(readlink "$LINK" 2>/dev/null || true)" != "$NODE_MODULES" ]]; then
  ln -sfn "$NODE_MODULES" "$LINK" || die "cannot link $LINK -> $NODE_MODULES"
fi

printf 'RINGSIDE_INTEROP_PYTHON=%q\n' "$VENV/bin/python"
printf 'RINGSIDE_INTEROP_NODE_MODULES=%q\n' "$NODE_MODULES"
