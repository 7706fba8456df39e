#!/usr/bin/env bash
# Interop tests: Microsoft's official clients (msal, azure-identity sync + async, msgraph-sdk,
# msgraph-beta-sdk, azure-communication-callautomation, @azure/identity, @microsoft/microsoft-graph-client,
# @azure/communication-call-automation with @azure/eventgrid) against a real `ringside serve`.
#
# Builds nothing: the server binary is $RINGSIDE_BIN, default ${CARGO_TARGET_DIR:-target}/debug/ringside.
# Installs the clients with scripts/interop-setup.sh, starts the server in dev mode on 127.0.0.1:0 with a
# temporary data dir, waits (bounded) for its dev.json, runs pytest (tests/interop/python) and
# `node --test` (tests/interop/js) with RINGSIDE_DEV_JSON=<dev.json>, then stops the server with SIGTERM
# (it must exit within a bounded time) and removes the temporary dir, also on failure or interrupt.
# Extra arguments go to pytest (e.g. `-k msal`). Exits non-zero if anything failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
READY_TIMEOUT="${RINGSIDE_INTEROP_READY_TIMEOUT:-30}"
STOP_TIMEOUT=15

log() { printf 'interop: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$ROOT/$target_dir"
RINGSIDE_BIN="${RINGSIDE_BIN:-$target_dir/debug/ringside}"
[[ -x "$RINGSIDE_BIN" ]] || die "server binary $RINGSIDE_BIN not found or not executable (build it with \`cargo build -p ringside-cli\` or set RINGSIDE_BIN)"

setup_output="$(bash "$ROOT/scripts/interop-setup.sh")" || die "scripts/interop-setup.sh failed"
eval "$setup_output"
[[ -x "${RINGSIDE_INTEROP_PYTHON:-}" ]] || die "interop-setup gave no usable python"
[[ -d "${RINGSIDE_INTEROP_NODE_MODULES:-}" ]] || die "interop-setup gave no node_modules"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ringside-interop.XXXXXX")"
DATA="$WORK/data"
SERVER_PID=""
server_stopped=0

stop_server() {
  # SIGTERM, then a bounded wait for a graceful exit; SIGKILL only if it hangs. Returns non-zero if the
  # server did not stop by itself in time or exited with an error.
  [[ -n "$SERVER_PID" ]] || return 0
  local pid="$SERVER_PID" status=0 waited=0 was_running=0
  SERVER_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    was_running=1
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
  fi
  wait "$pid" 2>/dev/null || status=$?
  if (( status != 0 )); then
    if (( was_running )); then
      log "server exited with status $status after SIGTERM"
    else
      log "server had already exited with status $status"
    fi
    return 1
  fi
  return 0
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if (( server_stopped == 0 )); then stop_server || true; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_log() {
  if [[ -s "$WORK/server.err" ]]; then
    log "last lines of the server's stderr:"
    tail -n 40 "$WORK/server.err" >&2 || true
  fi
}

log "starting $RINGSIDE_BIN serve --data-dir $DATA --listen 127.0.0.1:0 --json"
# Dev mode: a RINGSIDE_CONFIG from the environment would select production mode (nothing seeded).
env -u RINGSIDE_CONFIG "$RINGSIDE_BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --json >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

# Bounded readiness polling: dev.json appears (atomically) once the server listens.
DEV_JSON="$DATA/dev.json"
deadline=$((SECONDS + READY_TIMEOUT))
until [[ -s "$DEV_JSON" ]]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    show_server_log
    die "the server exited before writing $DEV_JSON"
  fi
  if (( SECONDS >= deadline )); then
    show_server_log
    die "no $DEV_JSON within ${READY_TIMEOUT}s"
  fi
  sleep 0.1
done
"$RINGSIDE_INTEROP_PYTHON" - "$DEV_JSON" <<'PY' || { show_server_log; die "$DEV_JSON is not what the interop tests expect"; }
import json, os, stat, sys
path = sys.argv[1]
dev = json.load(open(path))
missing = [k for k in ("tenantId", "url", "authority", "authorityHost", "graphBaseUrl", "graphBetaUrl",
                       "caCertPath", "adminToken", "app", "resourceAccounts", "users") if k not in dev]
if missing:
    sys.exit(f"dev.json lacks {missing}")
mode = stat.S_IMODE(os.stat(path).st_mode)
print(f"interop: server ready at {dev['url']} (tenant {dev['tenantId']}, dev.json mode {mode:o})", file=sys.stderr)
PY

export RINGSIDE_DEV_JSON="$DEV_JSON"
export PYTHONDONTWRITEBYTECODE=1
export RINGSIDE_SERVER_STDOUT="$WORK/server.out"
# Everything is on loopback: never through a proxy from the environment.
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost,::1${no_proxy:+,$no_proxy}"
# requests lets these override msal's verify=; the tests pass the CA explicitly.
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE

py_rc=0
(cd "$HERE/python" && "$RINGSIDE_INTEROP_PYTHON" -m pytest -p no:cacheprovider -q -rfEs -W ignore::DeprecationWarning \
  --junitxml="$WORK/pytest.xml" "$@") || py_rc=$?

# The Graph JS client uses Node's global fetch, which can only be told about the CA this way.
CA_CERT="$("$RINGSIDE_INTEROP_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["caCertPath"])' "$DEV_JSON")"
js_rc=0
(cd "$HERE" && NODE_EXTRA_CA_CERTS="$CA_CERT" node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$WORK/node.xml" \
  js/) || js_rc=$?

# The server must have survived the whole run, then stop gracefully on SIGTERM.
alive=1
kill -0 "$SERVER_PID" 2>/dev/null || alive=0
stop_rc=0
stop_server || stop_rc=$?
server_stopped=1
if (( py_rc != 0 || js_rc != 0 || alive == 0 || stop_rc != 0 )); then show_server_log; fi

summary_rc=0
"$RINGSIDE_INTEROP_PYTHON" - "$WORK/pytest.xml" "$WORK/node.xml" "$alive" "$stop_rc" <<'PY' || summary_rc=$?
import sys
import xml.etree.ElementTree as ET

def count(path, label):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"interop: no {label} results ({error})", file=sys.stderr)
        return 0, 1, 0
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if "failure" in tags or "error" in tags or case.get("failure"):
            failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
    # pytest records collection errors as <error> outside test cases only via the errors attribute.
    for suite in root.iter("testsuite"):
        collected_errors = int(suite.get("errors", 0) or 0)
        case_errors = sum(1 for c in suite.iter("testcase") if any(x.tag == "error" for x in c))
        failed += max(0, collected_errors - case_errors)
    return passed, failed, skipped

py = count(sys.argv[1], "pytest")
js = count(sys.argv[2], "node --test")
alive, stop_rc = sys.argv[3] == "1", int(sys.argv[4])
server = (1, 0) if alive and stop_rc == 0 else (0, 1)
passed = py[0] + js[0] + server[0]
failed = py[1] + js[1] + server[1]
skipped = py[2] + js[2]
print(f"interop: python {py[0]} passed, {py[1]} failed, {py[2]} skipped; "
      f"js {js[0]} passed, {js[1]} failed, {js[2]} skipped; "
      f"server {'ran and stopped on SIGTERM' if server[0] else 'crashed or did not stop on SIGTERM'}")
print(f"interop: {passed} passed, {failed} failed, {skipped} skipped")
if py[0] + py[1] == 0 or js[0] + js[1] == 0:
    print("interop: ERROR: a runner executed no test", file=sys.stderr)
    sys.exit(1)
PY

if (( py_rc != 0 || js_rc != 0 || alive == 0 || stop_rc != 0 || summary_rc != 0 )); then
  log "FAILED (pytest exit $py_rc, node --test exit $js_rc, server alive at end: $alive, stop status $stop_rc)"
  exit 1
fi
