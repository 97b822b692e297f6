#!/usr/bin/env bash
# Run the test suite headless: prepares the machine (setup.sh), then pytest with Qt offscreen.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/test_fonts.py -x`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
# The service tests also run against a real PostgreSQL server (the district mode) when one can be started.
if [[ -z "${NK_TEST_PG_URL:-}" ]]; then
    if NK_TEST_PG_URL="$(bash scripts/postgres.sh)"; then
        export NK_TEST_PG_URL
    else
        echo "[test] PostgreSQL unavailable: service tests run on SQLite only" >&2
    fi
fi
exec .venv/bin/python -m pytest -q "$@"
