"""NK Desktop's composition root: the QApplication, fonts, translation, database, then the session.

The only module outside ``views/`` that imports Qt.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from nk_desktop import __version__, paths
from nk_desktop.i18n import _

UI_FONT_FAMILY = "DejaVu Sans"
UI_FONT_SIZE = 10
FONTS_DIR = paths.RESOURCES / "fonts"
QT_TRANSLATION = paths.RESOURCES / "translations" / "qtbase_vi.qm"
EXIT_OK, EXIT_FAILED = 0, 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nk-desktop", description=_("NK Desktop: phần mềm văn phòng nhà trường."))
    parser.add_argument("--version", action="version", version=f"NK Desktop {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help=_("tệp dữ liệu SQLite (mặc định: NK_DATABASE_URL, nếu không có thì tệp của máy này)"))
    parser.add_argument("--user", metavar="NAME", help=_("điền sẵn tên đăng nhập"))
    parser.add_argument("--smoke-test", action="store_true",
                        help=_("kiểm tra bản đóng gói: nạp phông chữ, bản dịch, dữ liệu, hộp đăng nhập rồi thoát"))
    return parser


@dataclasses.dataclass
class Resources:
    """What was loaded into the application; the translator must stay referenced while it is installed."""

    fonts: list[str]
    translator: object | None


def create_application(qt_argv: list[str]):
    from PySide6.QtWidgets import QApplication

    from nk_desktop.views.settings import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(qt_argv)
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("NK Desktop")
    return app


def load_resources(app) -> Resources:
    """Fonts from resources/fonts (DejaVu Sans becomes the UI font) and Qt's own strings in Vietnamese.

    Both are optional: without them the program still runs, with the system's font and English buttons.
    """
    from PySide6.QtCore import QLocale, QTranslator
    from PySide6.QtGui import QFont, QFontDatabase

    families: list[str] = []
    font_files = sorted(FONTS_DIR.glob("*.ttf")) + sorted(FONTS_DIR.glob("*.otf")) if FONTS_DIR.is_dir() else []
    for font_file in font_files:
        font_id = QFontDatabase.addApplicationFont(str(font_file))
        if font_id >= 0:
            families.extend(QFontDatabase.applicationFontFamilies(font_id))
    if UI_FONT_FAMILY in families or UI_FONT_FAMILY in QFontDatabase.families():
        app.setFont(QFont(UI_FONT_FAMILY, UI_FONT_SIZE))

    QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
    translator = None
    if QT_TRANSLATION.is_file():
        candidate = QTranslator(app)
        if candidate.load(str(QT_TRANSLATION)):
            app.installTranslator(candidate)
            translator = candidate
    return Resources(fonts=sorted(set(families)), translator=translator)


def open_db(args: argparse.Namespace):
    from nk_desktop.db import open_database

    return open_database(args.db) if args.db else open_database()


def smoke_test(app, resources: Resources, args: argparse.Namespace) -> int:
    """The packaged-binary check: the bundled font and translation load, the database opens
    (migrations run), the login dialog builds and the event loop turns once.

    Without ``--db`` (or NK_DATABASE_URL) a scratch file is used, never this PC's real database.
    """
    from PySide6.QtCore import QTimer

    from nk_desktop.db import open_database
    from nk_desktop.views.app_shell import LoginDialog, load_shell_info

    missing = []
    if UI_FONT_FAMILY not in resources.fonts:
        missing.append(f"font {UI_FONT_FAMILY} ({FONTS_DIR})")
    if resources.translator is None:
        missing.append(f"translation {QT_TRANSLATION}")
    with tempfile.TemporaryDirectory(prefix="nk-smoke-") as scratch:
        if args.db or os.environ.get("NK_DATABASE_URL"):
            db = open_db(args)
        else:
            db = open_database(Path(scratch) / "smoke.sqlite")
        try:
            dialog = LoginDialog(db, load_shell_info(db), username=args.user or "")
            dialog.show()
            QTimer.singleShot(0, app.quit)
            app.exec()
            dialog.close()
            location = db.location
        finally:
            db.dispose()
    if missing:
        print(f"smoke test FAILED: missing {'; '.join(missing)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"smoke test ok: fonts={','.join(resources.fonts)} translation=yes database={location}")
    return EXIT_OK


def run(app, args: argparse.Namespace) -> int:
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy.exc import SQLAlchemyError

    from nk_desktop.errors import NKError
    from nk_desktop.views.app_shell import SessionFlow, load_shell_info

    try:
        db = open_db(args)
        info = load_shell_info(db)
    except (NKError, SQLAlchemyError, OSError) as error:
        # DatabaseVersionError carries its own explanation; others are shown as they come.
        QMessageBox.critical(None, "NK Desktop", _("Không mở được tệp dữ liệu.\n\n{error}").format(error=error))
        return EXIT_FAILED
    if info.school_name is None:
        QMessageBox.warning(None, "NK Desktop", _(
            "Tệp dữ liệu {path} chưa có trường nào.\n\n"
            "Người quản trị hãy tạo trường bằng lệnh:\n"
            "    nk-admin --db \"{path}\" init --school \"Tên trường\"\n"
            "(mật khẩu của tài khoản hieutruong đặt trong biến NK_PASSWORD),\n"
            "hoặc tạo trường mẫu để dùng thử:\n"
            "    nk-admin --db \"{path}\" demo --password MẬT_KHẨU"
        ).format(path=db.location))
        db.dispose()
        return EXIT_FAILED

    app.setQuitOnLastWindowClosed(False)  # the session decides when the program ends
    flow = SessionFlow(db, quit=app.quit, username=args.user)  # holds the top-level window
    flow.start()
    try:
        return app.exec()
    finally:
        QThreadPool.globalInstance().waitForDone()
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args, qt_args = build_parser().parse_known_args(argv)
    if args.smoke_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application([sys.argv[0] if sys.argv else "nk-desktop", *qt_args])
    resources = load_resources(app)
    if args.smoke_test:
        return smoke_test(app, resources, args)
    return run(app, args)


__all__ = ["main", "build_parser", "create_application", "load_resources"]


if __name__ == "__main__":
    raise SystemExit(main())
