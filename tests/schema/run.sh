#!/usr/bin/env bash
# Schema fuzzing: schemathesis (pinned in tests/schema/requirements.txt) against the two OpenAPI documents a
# running `ringside serve` publishes — the Graph door (/ringside/v1/openapi/graph.json, with an app token
# from the dev tenant) and the platform API (/ringside/v1/openapi.json, with the admin token). Phases:
# fuzzing and stateful (which follows the documents' links into live calls; tests/schema/hooks.py seeds
# valid call bodies). Not the coverage phase: in 4.32.5 its generator fails on the Graph document now and
# then with an internal error (hypothesis FlakyFailure over a KeyError in schemathesis' own schema cache),
# which says nothing about the server and would make CI flaky. Checks: not_a_server_error (no 5xx, no dropped connection) and
# status_code_conformance (every status the server answers is documented).
#
# The venv lives in ${RINGSIDE_CACHE_DIR:-~/.cache/ringside}/schema-<sha256(requirements.txt)[:12]>.
# The server binary is $RINGSIDE_BIN (default ${CARGO_TARGET_DIR:-target}/debug/ringside); it runs in dev
# mode on 127.0.0.1:0 with a temporary data dir and is stopped at the end, also on failure.
# RINGSIDE_SCHEMA_SECONDS (default 60) bounds each phase run; RINGSIDE_SCHEMA_SEED fixes the seed (default
# a fixed one, so that CI runs are reproducible; set it to `random` for a fresh one).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${RINGSIDE_CACHE_DIR:-$HOME/.cache/ringside}"
SECONDS_PER_DOC="${RINGSIDE_SCHEMA_SECONDS:-60}"
SEED="${RINGSIDE_SCHEMA_SEED:-20261207}"

log() { printf 'schema: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
RINGSIDE_BIN="${RINGSIDE_BIN:-$target_dir/debug/ringside}"
[[ -x "$RINGSIDE_BIN" ]] || die "server binary $RINGSIDE_BIN not found (cargo build -p ringside-cli, or set RINGSIDE_BIN)"

# --- venv ---------------------------------------------------------------------------------------
mkdir -p "$CACHE"
VENV="$CACHE/schema-$(sha256sum "$HERE/requirements.txt" | cut -c1-12)"
exec 9>"$CACHE/.schema-setup.lock"
command -v flock >/dev/null && { flock -w 900 9 || die "timed out waiting for the venv lock"; }
if [[ ! -f "$VENV/.complete" ]]; then
  log "creating $VENV"
  rm -rf "$VENV"
  "${RINGSIDE_PYTHON:-python3}" -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$HERE/requirements.txt" >&2 \
    || { rm -rf "$VENV"; die "pip install failed"; }
  "$VENV/bin/st" --version >&2 || { rm -rf "$VENV"; die "schemathesis does not start"; }
  touch "$VENV/.complete"
fi
exec 9>&-

# --- server -------------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ringside-schema.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env -u RINGSIDE_CONFIG "$RINGSIDE_BIN" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --json \
  >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
DEV_JSON="$WORK/data/dev.json"
for _ in $(seq 300); do [[ -s "$DEV_JSON" ]] && break; kill -0 "$SERVER_PID" || break; sleep 0.1; done
[[ -s "$DEV_JSON" ]] || { tail -n 40 "$WORK/server.err" >&2; die "the server wrote no dev.json"; }

# URL, CA, admin token and a Graph app token (client credentials) from the dev tenant.
eval "$("$VENV/bin/python" - "$DEV_JSON" <<'PY'
import json, shlex, sys
import requests
dev = json.load(open(sys.argv[1]))
token = requests.post(dev["tokenEndpoint"], verify=dev["caCertPath"], timeout=30, data={
    "grant_type": "client_credentials", "client_id": dev["app"]["clientId"],
    "client_secret": dev["app"]["clientSecret"], "scope": "https://graph.microsoft.com/.default"})
token.raise_for_status()
for key, value in (("URL", dev["url"]), ("CA", dev["caCertPath"]), ("ADMIN", dev["adminToken"]),
                   ("GRAPH", token.json()["access_token"])):
    print(f"{key}={shlex.quote(value)}")
PY
)"

seed_args=()
[[ "$SEED" == random ]] || seed_args=(--seed "$SEED")
export NO_PROXY="127.0.0.1,localhost,::1" no_proxy="127.0.0.1,localhost,::1"
export RINGSIDE_DEV_JSON="$DEV_JSON" SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$HERE" PYTHONDONTWRITEBYTECODE=1

fuzz() { # label, document, base url, token
  log "$1: st run $2 (up to ${SECONDS_PER_DOC}s)"
  "$VENV/bin/st" run "$2" --url "$3" --tls-verify "$CA" -H "Authorization: Bearer $4" \
    --checks not_a_server_error,status_code_conformance --phases fuzzing,stateful \
    --max-time "$SECONDS_PER_DOC" --workers 2 --no-color "${seed_args[@]}"
}

cd "$WORK" # schemathesis keeps its own state in ./.schemathesis
rc=0
# Graph first: the platform run may delete the dev app or revoke its consent.
fuzz graph "$URL/ringside/v1/openapi/graph.json" "$URL/v1.0" "$GRAPH" || rc=1
fuzz platform "$URL/ringside/v1/openapi.json" "$URL" "$ADMIN" || rc=1
kill -0 "$SERVER_PID" 2>/dev/null || { log "the server died during the run"; rc=1; }
(( rc == 0 )) || tail -n 40 "$WORK/server.err" >&2
exit "$rc"
