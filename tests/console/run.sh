#!/usr/bin/env bash
# The console's browser test: headless Chromium (Debian's chromium, driven by playwright-core)
# against a real `ringside serve` in dev mode on 127.0.0.1:0 with a temporary data dir.
#
# Builds nothing: the server binary is $RINGSIDE_BIN, default ${CARGO_TARGET_DIR:-target}/debug/ringside.
# Installs chromium and playwright-core with scripts/console-setup.sh, starts the server, waits
# (bounded) for its dev.json, runs `node --test` on tests/console's test files one after another
# (browser, graphbot, transfer, recordings, provisioning; the CLI checks use $RINGSIDE_BIN; graphbot runs the
# README's examples/python/answer_bot.py with the interop venv's Python, $RINGSIDE_PYTHON, from
# scripts/interop-setup.sh), then stops the server with SIGTERM
# and removes the temporary dir, also on failure or interrupt. Screenshots are kept in
# $RINGSIDE_CONSOLE_SHOTS (default $RINGSIDE_ARTIFACTS/console-screenshots when that is set, else
# ${CARGO_TARGET_DIR:-target}/console-screenshots).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
READY_TIMEOUT="${RINGSIDE_CONSOLE_READY_TIMEOUT:-30}"
STOP_TIMEOUT=15

log() { printf 'console: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
RINGSIDE_BIN="${RINGSIDE_BIN:-$target_dir/debug/ringside}"
[[ -x "$RINGSIDE_BIN" ]] || die "server binary $RINGSIDE_BIN not found (build it with \`cargo build -p ringside-cli\` or set RINGSIDE_BIN)"
# Screenshots: $RINGSIDE_CONSOLE_SHOTS, else $RINGSIDE_ARTIFACTS/console-screenshots (a directory the
# CI keeps), else the target dir's console-screenshots.
shots_default="$target_dir/console-screenshots"
[[ -z "${RINGSIDE_ARTIFACTS:-}" ]] || shots_default="$RINGSIDE_ARTIFACTS/console-screenshots"
export RINGSIDE_CONSOLE_SHOTS="${RINGSIDE_CONSOLE_SHOTS:-$shots_default}"

setup_output="$(bash "$ROOT/scripts/console-setup.sh")" || die "scripts/console-setup.sh failed"
eval "$setup_output"
[[ -d "${RINGSIDE_CONSOLE_NODE_MODULES:-}" ]] || die "console-setup gave no node_modules"

# $RINGSIDE_CONSOLE_TESTS picks files (default: all of them).
read -r -a test_files <<<"${RINGSIDE_CONSOLE_TESTS:-browser.test.js graphbot.test.js transfer.test.js recordings.test.js provisioning.test.js}"
# The README's bot needs `requests`: the interop tests' venv (cached) has it.
if [[ " ${test_files[*]} " == *" graphbot.test.js "* && -z "${RINGSIDE_PYTHON:-}" ]]; then
  interop_output="$(bash "$ROOT/scripts/interop-setup.sh")" || die "scripts/interop-setup.sh failed"
  eval "$interop_output"
  export RINGSIDE_PYTHON="$RINGSIDE_INTEROP_PYTHON"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ringside-console.XXXXXX")"
DATA="$WORK/data"
SERVER_PID=""

stop_server() {
  # SIGTERM, then a bounded wait; SIGKILL only if it hangs. Non-zero if it did not stop cleanly.
  [[ -n "$SERVER_PID" ]] || return 0
  local pid="$SERVER_PID" status=0 waited=0
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && (( waited < STOP_TIMEOUT * 10 )); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "server (pid $pid) still running ${STOP_TIMEOUT}s after SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
  fi
  wait "$pid" 2>/dev/null || status=$?
  (( status == 0 )) || { log "server exited with status $status"; return 1; }
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting $RINGSIDE_BIN serve --data-dir $DATA --listen 127.0.0.1:0 --json"
env -u RINGSIDE_CONFIG "$RINGSIDE_BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --json >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

DEV_JSON="$DATA/dev.json"
deadline=$((SECONDS + READY_TIMEOUT))
until [[ -s "$DEV_JSON" ]]; do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$WORK/server.err" >&2; die "the server exited before writing $DEV_JSON"; }
  (( SECONDS < deadline )) || { tail -n 40 "$WORK/server.err" >&2; die "no $DEV_JSON within ${READY_TIMEOUT}s"; }
  sleep 0.1
done

export RINGSIDE_DEV_JSON="$DEV_JSON"
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"
CA_CERT="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).caCertPath)' "$DEV_JSON")"

rc=0
# One file at a time: the tests share the server (and some change the dev app for a while).
(cd "$HERE" && NODE_EXTRA_CA_CERTS="$CA_CERT" RINGSIDE_BIN="$RINGSIDE_BIN" \
  node --test --test-concurrency=1 --test-reporter=spec "${test_files[@]}") || rc=$?
kill -0 "$SERVER_PID" 2>/dev/null || { log "the server died during the test"; rc=1; }
stop_server || rc=1
if (( rc != 0 )); then
  tail -n 40 "$WORK/server.err" >&2 || true
  log "FAILED"
  exit 1
fi
log "screenshots in $RINGSIDE_CONSOLE_SHOTS"
