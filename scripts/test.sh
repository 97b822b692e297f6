#!/usr/bin/env bash
# Run the test suite headless: prepares the machine (setup.sh), then pytest with Qt offscreen.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/test_fonts.py -x`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
