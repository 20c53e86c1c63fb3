#!/usr/bin/env bash
# Runs the third-party client compatibility suites against an Apogee binary: the pytest suite
# (PyPI rocketchat-api over REST, rocketchat-async bots over DDP) and the Node bot scenario in
# node/ (Rocket.Chat's own @rocket.chat/sdk), each against the same freshly started server.
#
#   tests/compat/run.sh path/to/apogee
#
# Needs python3 (venv) and node >= 20 with npm; node/node_modules is installed with `npm ci`
# from node/package-lock.json and reinstalled only when that file changes.
# Always runs once on SQLite; runs again on PostgreSQL when APOGEE_TEST_DATABASE_URL is set
# (e.g. postgres://postgres@127.0.0.1:5432/test): a throwaway database apogee_compat_<random>
# is created next to the one that URL names and dropped afterwards.
# Exits non-zero when any run fails; on success the last lines printed are node's test summary.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 path/to/apogee-binary" >&2
    exit 2
fi
BIN="$(realpath "$1")"
if [[ ! -x "$BIN" ]]; then
    echo "error: $1 is not an executable file" >&2
    exit 2
fi

COMPAT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$COMPAT_DIR/../.." && pwd)"
VENV="$ROOT/target/compat-venv"
REQUIREMENTS="$COMPAT_DIR/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PY="$VENV/bin/python"

# The secret users.createToken must be given; the tests read it back from the environment.
TOKEN_SECRET="compat-secret"

# --- state the EXIT trap cleans up (a run in progress when something fails) ---
SERVER_PID=""
PG_DB=""
RUN_DIR=""

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        # Give graceful shutdown 10 s, then insist.
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

drop_pg_db() {
    if [[ -n "$PG_DB" ]]; then
        # The server is stopped first, so no session holds the database open.
        psql "$APOGEE_TEST_DATABASE_URL" -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS \"$PG_DB\"" >/dev/null 2>&1 ||
            echo "warning: could not drop database $PG_DB" >&2
        PG_DB=""
    fi
}

cleanup() {
    stop_server
    drop_pg_db
    if [[ -n "$RUN_DIR" ]]; then
        rm -rf "$RUN_DIR"
        RUN_DIR=""
    fi
}
trap cleanup EXIT
# Turn INT/TERM into a normal exit so the EXIT trap still stops the server and drops the database.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the virtualenv: created once, reinstalled only when requirements.txt changes ---
if [[ ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
    rm -f "$STAMP"
fi
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]]; then
    "$PY" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$want" >"$STAMP"
fi

# --- the Node bot's packages: installed once, reinstalled only when package-lock.json changes ---
NODE_DIR="$COMPAT_DIR/node"
NODE_STAMP="$NODE_DIR/node_modules/.package-lock.sha256"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "error: node and npm are needed for the Node bot scenario (tests/compat/node)" >&2
    exit 2
fi
node_want="$(sha256sum "$NODE_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ "$(cat "$NODE_STAMP" 2>/dev/null || true)" != "$node_want" ]]; then
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$node_want" >"$NODE_STAMP"
fi

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

random_token() {
    "$PY" -c 'import secrets; print(secrets.token_hex(12))'
}

# Prints the server URL for database $2 on the server named by URL $1 (path swapped, rest kept).
pg_url_for() {
    "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"
}

# run_suite LABEL [DATABASE_URL]: start a server, run pytest, stop the server. Returns pytest's status.
run_suite() {
    local label="$1" db_url="${2:-}"
    local port admin_pass log base status=0
    port="$(free_port)"
    admin_pass="$(random_token)"
    RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/apogee-compat.XXXXXX")"
    mkdir -p "$RUN_DIR/data"
    log="$RUN_DIR/server.log"
    base="http://127.0.0.1:$port"

    # `env -u` keeps a caller's APOGEE_DATABASE_URL from leaking into the SQLite run.
    local -a server_env=(env -u APOGEE_DATABASE_URL)
    if [[ -n "$db_url" ]]; then
        server_env+=("APOGEE_DATABASE_URL=$db_url")
    fi
    server_env+=(
        "APOGEE_LISTEN=127.0.0.1:$port"
        "APOGEE_DATA_DIR=$RUN_DIR/data"
        "ADMIN_USERNAME=compatadmin"
        "ADMIN_PASS=$admin_pass"
        "ADMIN_EMAIL=compatadmin@example.com"
        "TEST_MODE=true"
        "CREATE_TOKENS_FOR_USERS=true"
        "CREATE_TOKENS_FOR_USERS_SECRET=$TOKEN_SECRET"
    )

    echo "== rocketchat_API and rocketchat-async suite on $label ($base)"
    "${server_env[@]}" "$BIN" serve >"$log" 2>&1 &
    SERVER_PID=$!

    local ready=""
    for _ in $(seq 1 120); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        if "$PY" -c 'import sys, urllib.request; sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).status != 200)' \
            "$base/api/info" 2>/dev/null; then
            ready=1
            break
        fi
        sleep 0.25
    done
    if [[ -z "$ready" ]]; then
        echo "error: server did not answer GET /api/info with 200 within 30 s ($label); log tail:" >&2
        tail -n 100 "$log" >&2 || true
        stop_server
        return 1
    fi

    (
        cd "$COMPAT_DIR"
        ROCKETCHAT_URL="$base" \
            ROCKETCHAT_ADMIN_USER=compatadmin \
            ROCKETCHAT_ADMIN_PASS="$admin_pass" \
            ROCKETCHAT_TOKEN_SECRET="$TOKEN_SECRET" \
            "$PY" -m pytest
    ) || status=$?

    echo "== @rocket.chat/sdk bot scenario on $label ($base)"
    (
        cd "$NODE_DIR"
        ROCKETCHAT_URL="$base" \
            ROCKETCHAT_ADMIN_USER=compatadmin \
            ROCKETCHAT_ADMIN_PASS="$admin_pass" \
            node --test --test-force-exit --test-reporter=spec bot.test.js
    ) || status=$?

    stop_server
    if [[ $status -ne 0 ]]; then
        echo "== $label run failed (exit $status); server log tail:" >&2
        tail -n 200 "$log" >&2 || true
    fi
    rm -rf "$RUN_DIR"
    RUN_DIR=""
    return "$status"
}

overall=0
run_suite sqlite || overall=1

if [[ -n "${APOGEE_TEST_DATABASE_URL:-}" ]]; then
    PG_DB="apogee_compat_$(random_token)"
    psql "$APOGEE_TEST_DATABASE_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
    run_suite postgresql "$(pg_url_for "$APOGEE_TEST_DATABASE_URL" "$PG_DB")" || overall=1
    drop_pg_db
fi

exit "$overall"
