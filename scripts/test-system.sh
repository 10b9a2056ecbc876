#!/usr/bin/env bash
# The system tier (`npm run test:system`). Starts a throwaway PostgreSQL server, then runs:
#   1. web build    npm run build -w @trunkline/web (the Playwright suite serves the built app)
#   2. bench        npm run bench -- --ci: one reduced run of every bench group (docs/BENCHMARKS.md, "In CI"), the
#                   API group also on this PostgreSQL (DATABASE_URL); fails only when a group crashes (a missed goal
#                   is reported), limited to BENCH_TIMEOUT (default 15m); needs the web build
#   3. pg-suite     the integration suite (vitest project "integration") on real PostgreSQL (TEST_DATABASE_URL);
#                   each test file gets a database copied from a migrated template (CREATE DATABASE … TEMPLATE)
#   4. system       vitest project "system": multi-process workers, server restarts, api/worker split, BIND 9,
#                   the Kamailio SBC with real SIP calls (deploy/kamailio, sipp; kamailio-sip.test.ts)
#   5. e2e          the Playwright suite in e2e/ on the Debian chromium
# Every stage runs even when an earlier one failed (the bench and e2e stages need the web build); the script
# exits non-zero if any stage failed. PostgreSQL is stopped and its directory removed on exit, whatever
# happens. Nothing is skipped: without PostgreSQL or Chromium the script fails.
#
# Environment (all optional):
#   PG_BIN         directory with initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
#   PG_PORT        first port to try for PostgreSQL (default 55432; the next free one is used)
#   SYSTEM_STAGES  space-separated subset of: web bench pg-suite system e2e (default: all)
#   BENCH_TIMEOUT  time limit of the bench stage (default 15m; `timeout` syntax)
#   KEEP_PG_DIR=1  keep the PostgreSQL directory (data + log) after the run, for debugging
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CI=${CI:-}
export FUZZ_RUNS=${FUZZ_RUNS:-50} # full-size route fuzzing (apps/server/test/security/fuzz.test.ts) in the pg-suite

STAGES=${SYSTEM_STAGES:-web bench pg-suite system e2e}

log() { printf '\n[test-system] %s\n' "$*"; }
die() {
  printf '\n[test-system] FATAL: %s\n' "$*" >&2
  exit 1
}

# --- Preconditions: fail loudly, never skip. -----------------------------------------------------------
node_version=$(node -p 'process.versions.node.split(".")[0]')
[[ $node_version -ge 22 ]] || die "node_modules/.bin/node is missing or too old (got $(node -v)); run npm ci"
for bin in vitest playwright; do
  [[ -x $ROOT/node_modules/.bin/$bin ]] || die "node_modules/.bin/$bin is missing; run npm ci"
done

if [[ -z ${PG_BIN:-} ]]; then
  PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[[ -n ${PG_BIN:-} && -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
  die "PostgreSQL server binaries not found (PG_BIN=${PG_BIN:-unset}); run: bash scripts/system-deps.sh"
[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium not found; run: bash scripts/system-deps.sh"

# --- Throwaway PostgreSQL ------------------------------------------------------------------------------
# initdb refuses to run as root: as root the server runs as the `postgres` user.
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "user postgres does not exist (installed by the postgresql package)"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PG_PORT=${PG_PORT:-55432}
for _ in $(seq 1 50); do
  port_in_use "$PG_PORT" || break
  PG_PORT=$((PG_PORT + 1))
done
port_in_use "$PG_PORT" && die "no free port found for PostgreSQL near ${PG_PORT}"

PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/trunkline-pg.XXXXXX")
PG_DATA=$PG_DIR/data
PG_LOG=$PG_DIR/postgres.log
PG_STARTED=0

cleanup() {
  local rc=$?
  if [[ $PG_STARTED -eq 1 ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -n ${KEEP_PG_DIR:-} ]]; then
    printf '[test-system] kept PostgreSQL directory %s\n' "$PG_DIR"
  else
    rm -rf "$PG_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_DIR"; fi
chmod 700 "$PG_DIR"

stage_started=$SECONDS
log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT, directory $PG_DIR"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
  {
    cat "$PG_DIR/initdb.log" >&2
    die "initdb failed"
  }
PG_STARTED=1
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o "\
  -c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=400 -c shared_buffers=128MB" >/dev/null ||
  {
    cat "$PG_LOG" >&2 || true
    die "PostgreSQL did not start"
  }
"$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 30 >/dev/null || die "PostgreSQL is not accepting connections"
pg_seconds=$((SECONDS - stage_started))

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export SYSTEM_DATABASE_URL=$TEST_DATABASE_URL
log "TEST_DATABASE_URL=SYSTEM_DATABASE_URL=$TEST_DATABASE_URL (ready in ${pg_seconds}s)"

# --- Stages --------------------------------------------------------------------------------------------
declare -a SUMMARY=()
failed=0
web_ok=0

run_stage() {
  local name=$1
  shift
  if [[ " $STAGES " != *" $name "* ]]; then
    SUMMARY+=("$(printf '%-10s %-14s %6s' "$name" 'not selected' '-')")
    return 0
  fi
  log "stage $name: $*"
  local started=$SECONDS rc=0
  "$@" || rc=$?
  local took=$((SECONDS - started))
  if [[ $rc -eq 0 ]]; then
    SUMMARY+=("$(printf '%-10s %-14s %5ss' "$name" 'passed' "$took")")
  else
    SUMMARY+=("$(printf '%-10s %-14s %5ss' "$name" "FAILED (rc $rc)" "$took")")
    failed=1
  fi
  log "stage $name finished in ${took}s (rc $rc)"
  return "$rc"
}

if run_stage web npm run build -w @trunkline/web; then web_ok=1; fi
if [[ $web_ok -eq 1 || " $STAGES " != *" web "* || " $STAGES " != *" bench "* ]]; then
  run_stage bench env DATABASE_URL="$TEST_DATABASE_URL" timeout --kill-after=30s "${BENCH_TIMEOUT:-15m}" \
    npm run bench -- --ci || true
else
  SUMMARY+=("$(printf '%-10s %-14s %6s' bench 'FAILED (no web build)' '-')")
  failed=1
fi
run_stage pg-suite vitest run --project integration || true
run_stage system vitest run --project system || true
if [[ $web_ok -eq 1 || " $STAGES " != *" web "* ]]; then
  run_stage e2e playwright test --config e2e/playwright.config.ts || true
else
  SUMMARY+=("$(printf '%-10s %-14s %6s' e2e 'FAILED (no web build)' '-')")
  failed=1
fi

printf '\n[test-system] summary (PostgreSQL start %ss, total %ss)\n' "$pg_seconds" "$SECONDS"
for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line"; done
if [[ $failed -ne 0 ]]; then
  printf '[test-system] FAILED\n'
  exit 1
fi
printf '[test-system] all stages passed\n'
