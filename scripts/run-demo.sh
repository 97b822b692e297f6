#!/usr/bin/env bash
# Try NK Desktop on a sample school: prepares the machine (setup.sh), creates the demo database
# once, then opens the program on it.
#   DEMO_DB=path/to/file.sqlite  use another demo file (default: demo/truong-demo.sqlite, git-ignored)
#   DEMO_PASSWORD=...            password of every sample account (default demo1234)
#   NK_SMOKE_TEST=1              no window: start offscreen, load everything, exit (for CI and headless boxes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

DEMO_DB="${DEMO_DB:-demo/truong-demo.sqlite}"
DEMO_PASSWORD="${DEMO_PASSWORD:-demo1234}"
if [[ ! -e "$DEMO_DB" ]]; then
    mkdir -p "$(dirname "$DEMO_DB")"
    echo "Tạo trường mẫu / creating the demo school: $DEMO_DB"
    .venv/bin/nk-admin --db "$DEMO_DB" demo --password "$DEMO_PASSWORD" || { rm -f "$DEMO_DB"; exit 1; }
fi

if [[ "${NK_SMOKE_TEST:-0}" == 1 ]]; then
    exec env QT_QPA_PLATFORM=offscreen .venv/bin/nk-desktop --db "$DEMO_DB" --smoke-test
fi

case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) ;;  # Windows always has a display
    *)
        if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
            cat >&2 <<'MSG'
Không có màn hình (DISPLAY trống): không mở được cửa sổ NK Desktop.
  Hãy chạy trong phiên đồ họa, hoặc: xvfb-run -a bash scripts/run-demo.sh
  Chỉ kiểm tra chương trình khởi động được: NK_SMOKE_TEST=1 bash scripts/run-demo.sh
There is no display (DISPLAY is empty), so the NK Desktop window cannot open.
  Run it in a graphical session, or: xvfb-run -a bash scripts/run-demo.sh
  To only check that the program starts: NK_SMOKE_TEST=1 bash scripts/run-demo.sh
MSG
            exit 1
        fi
        ;;
esac

echo "Mật khẩu của mọi tài khoản mẫu / every sample account's password: $DEMO_PASSWORD"
exec .venv/bin/nk-desktop --db "$DEMO_DB"
