"""NK Desktop's composition root: the QApplication, fonts, translation, the login dialog, then
the database (opened on a thread behind the dialog) and the session.

The only module outside ``views/`` that imports Qt.  Start-up time matters (issue 2): keep
this module's imports to the standard library and ``i18n``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Sequence

from nk_desktop import __version__
from nk_desktop.i18n import _

# paths.RESOURCES, spelled out: ``paths`` loads platformdirs, which only the database needs.
RESOURCES = Path(__file__).resolve().parent / "resources"
UI_FONT_FAMILY = "DejaVu Sans"
UI_FONT_SIZE = 10
FONTS_DIR = RESOURCES / "fonts"
QT_TRANSLATION = RESOURCES / "translations" / "qtbase_vi.qm"
EXIT_OK, EXIT_FAILED = 0, 1
SMOKE_TIMEOUT_MS = 120_000


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
    """Open (creating or migrating) the database: called on the opening thread, never at start-up."""
    from nk_desktop.db import open_database

    return open_database(args.db) if args.db else open_database()


def start_session(app, args: argparse.Namespace, **flow_options):
    """Show the login dialog, then open the database behind it on a background thread.

    Nothing of the database layer (SQLAlchemy, the models, the services, Alembic) is imported
    before the dialog is on screen: that import and the opening take several times as long as
    the dialog itself, and the user needs seconds to type a password anyway.  *flow_options*
    go to ``SessionFlow`` (tests and ``bench/startup.py`` inject the login function).
    """
    from nk_desktop.views.app_shell.opening import DatabaseOpening
    from nk_desktop.views.app_shell.session import SessionFlow

    opening = DatabaseOpening(lambda: open_db(args))
    app.setQuitOnLastWindowClosed(False)  # the session decides when the program ends
    flow = SessionFlow(opening, quit=app.quit, username=args.user, **flow_options)  # holds the top-level window
    flow.start()
    return flow


def smoke_test(app, resources: Resources, args: argparse.Namespace) -> int:
    """The packaged-binary check: the bundled font and translation load, the login dialog shows,
    the database opens behind it (migrations run), the modules needed after the login import,
    and the event loop runs until then.

    Without ``--db`` (or NK_DATABASE_URL) a scratch file is used, never this PC's real database.
    """
    import tempfile

    from PySide6.QtCore import QTimer

    missing = []
    if UI_FONT_FAMILY not in resources.fonts:
        missing.append(f"font {UI_FONT_FAMILY} ({FONTS_DIR})")
    if resources.translator is None:
        missing.append(f"translation {QT_TRANSLATION}")
    with tempfile.TemporaryDirectory(prefix="nk-smoke-") as scratch:
        target = args
        if not (args.db or os.environ.get("NK_DATABASE_URL")):
            target = argparse.Namespace(**{**vars(args), "db": str(Path(scratch) / "smoke.sqlite")})
        target.user = args.user or ""  # "" : no keyring lookup
        flow = start_session(app, target)
        opening = flow.opening
        opening.finished.connect(app.quit)
        QTimer.singleShot(0, opening.start)  # no need to wait for a paint that offscreen may not do
        QTimer.singleShot(SMOKE_TIMEOUT_MS, app.quit)
        app.exec()
        flow.login_dialog.close()
        opening.wait(SMOKE_TIMEOUT_MS / 1000)
        location = opening.info.location if opening.info else "?"
        if not opening.done:
            missing.append(f"database not opened within {SMOKE_TIMEOUT_MS // 1000} s")
        elif opening.error is not None:
            missing.append(f"database: {opening.error}")
        missing += [f"import {fault}" for fault in opening.warm_errors]
        opening.close()
    if missing:
        print(f"smoke test FAILED: {'; '.join(missing)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"smoke test ok: fonts={','.join(resources.fonts)} translation=yes database={location}")
    return EXIT_OK


def run(app, args: argparse.Namespace, **flow_options) -> int:
    """The program: the login dialog at once, the database behind it, then the session.

    Exit status 1 when the database cannot be used (its reason was shown in the login dialog).
    """
    from PySide6.QtCore import QThreadPool

    flow = start_session(app, args, **flow_options)
    try:
        code = app.exec()
    finally:
        QThreadPool.globalInstance().waitForDone()
        flow.opening.close()
    return EXIT_FAILED if flow.opening.problem() is not None else code


def main(argv: Sequence[str] | None = None) -> int:
    args, qt_args = build_parser().parse_known_args(argv)
    if args.smoke_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = create_application([sys.argv[0] if sys.argv else "nk-desktop", *qt_args])
    resources = load_resources(app)
    if args.smoke_test:
        return smoke_test(app, resources, args)
    return run(app, args)


__all__ = ["main", "build_parser", "create_application", "load_resources", "run", "start_session"]


if __name__ == "__main__":
    raise SystemExit(main())
