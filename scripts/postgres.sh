#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite (Debian package) and print its URL.
# Installs the package when missing (root or password-less sudo); exits 1 when it cannot.
# The cluster lives in $NK_PG_DIR (default /tmp/nk-test-pg) on port $NK_PG_PORT (default 54329).
set -euo pipefail

DIR="${NK_PG_DIR:-/tmp/nk-test-pg}"
PORT="${NK_PG_PORT:-54329}"

as_root=()
if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && { [[ "$(id -u)" == 0 ]] || [[ ${#as_root[@]} -gt 0 ]]; }; then
        "${as_root[@]}" apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
            postgresql >/dev/null
    else
        echo "postgres.sh: PostgreSQL is not installed and cannot be installed here" >&2
        exit 1
    fi
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

# initdb refuses to run as root: run the server as the postgres user when we are root.
run=()
if [[ "$(id -u)" == 0 ]]; then
    run=(runuser -u postgres --)
fi
if [[ ! -f "$DIR/PG_VERSION" ]]; then
    mkdir -p "$DIR"
    [[ "$(id -u)" == 0 ]] && chown postgres "$DIR"
    "${run[@]}" "$BIN/initdb" -D "$DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! "${run[@]}" "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    "${run[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -o \
        "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
