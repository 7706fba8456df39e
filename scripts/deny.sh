#!/usr/bin/env bash
# `cargo deny check` (advisories, bans, licenses, sources) with the project's deny.toml.
# Installs cargo-deny into ~/.cache/ringside/tools (pinned) and prepares the RustSec advisory
# database in ~/.cache/ringside/advisory-dbs (deny.toml's db-path): fetched from GitHub when it is
# reachable, else extracted from the snapshot .ci/advisory-db.tar.xz (commit and date in
# .ci/advisory-db.source; say which was used). Then checks offline.
#   scripts/deny.sh                    check
#   scripts/deny.sh --refresh-snapshot rewrite .ci/advisory-db.tar.xz from a fetched database
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${RINGSIDE_CACHE_DIR:-$HOME/.cache/ringside}"
VERSION=0.20.2
TOOL="$CACHE/tools/cargo-deny-$VERSION"
DB="$CACHE/advisory-dbs/advisory-db-3157b0e258782691"
log() { printf 'deny: %s\n' "$*" >&2; }

if [[ ! -x "$TOOL/bin/cargo-deny" ]]; then
  log "installing cargo-deny $VERSION into $TOOL (a few minutes, once)"
  cargo install cargo-deny --version "$VERSION" --locked --root "$TOOL" --quiet
fi
DENY="$TOOL/bin/cargo-deny"
cd "$ROOT"

if timeout 60 "$DENY" fetch db >/dev/null 2>&1; then
  log "advisory database fetched from GitHub ($(git -C "$DB" log -1 --format='%h %cs'))"
elif [[ -d "$DB/.git" && -f "$DB/.snapshot" && "$(cat "$DB/.snapshot")" == "$(cat .ci/advisory-db.source)" ]]; then
  log "GitHub unreachable; using the snapshot $(cat .ci/advisory-db.source)"
else
  log "GitHub unreachable; extracting the snapshot $(cat .ci/advisory-db.source)"
  rm -rf "$DB"
  mkdir -p "$DB"
  tar -xJf .ci/advisory-db.tar.xz -C "$DB"
  git -C "$DB" init -q
  git -C "$DB" add -A
  git -C "$DB" -c user.name=ringside -c user.email=ringside@localhost commit -qm "advisory-db snapshot"
  cp .ci/advisory-db.source "$DB/.snapshot"
fi

if [[ "${1:-}" == "--refresh-snapshot" ]]; then
  [[ -f "$DB/.snapshot" ]] && { log "no fresh database to snapshot (GitHub unreachable)"; exit 1; }
  tar --exclude=.git -cJf .ci/advisory-db.tar.xz -C "$DB" .
  printf 'https://github.com/rustsec/advisory-db %s\n' "$(git -C "$DB" log -1 --format='%H %cs')" > .ci/advisory-db.source
  log "snapshot written: $(cat .ci/advisory-db.source)"
  exit 0
fi

"$DENY" --offline check
