"""Layering rules checked on the source text, so they cannot erode unnoticed.

1. Only the views (nk_desktop/views/**) and the application shell (app.py, __main__.py) may
   import Qt: models, services, printing, sync and the CLI must run headless (nk-admin, tests,
   a server) and stay testable without a QApplication.
2. Outside the views and app.py, no legacy SQLAlchemy bulk API (bulk_save_objects,
   bulk_insert_mappings, bulk_update_mappings): those bypass the ORM events, and so the one
   change-capture path (audit journal, sync) would miss the rows. Use Core or ORM bulk
   statements through the capture path instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nk_desktop"
QT_TOP_LEVEL = {"PySide6", "shiboken6"}
LEGACY_BULK = {"bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"}


def _modules(excluded_files: set[str]) -> list[Path]:
    paths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("views/") or relative in excluded_files:
            continue
        paths.append(path)
    return paths


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _qt_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):  # ast.walk also reaches imports inside functions and classes
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.split(".")[0] in QT_TOP_LEVEL]
    return found


def test_package_is_found():
    assert (PACKAGE / "__init__.py").is_file()
    assert _modules({"app.py", "__main__.py"}), "no modules to check"


def test_only_views_and_app_import_qt():
    offenders = {}
    for path in _modules({"app.py", "__main__.py"}):
        hits = _qt_imports(_tree(path))
        if hits:
            offenders[path.relative_to(PACKAGE.parent).as_posix()] = hits
    assert not offenders, f"Qt imported outside nk_desktop/views and app.py: {offenders}"


def test_no_legacy_bulk_session_api():
    offenders = {}
    for path in _modules({"app.py"}):
        hits = [
            f"line {node.lineno}: {node.attr}"
            for node in ast.walk(_tree(path))
            if isinstance(node, ast.Attribute) and node.attr in LEGACY_BULK
        ]
        if hits:
            offenders[path.relative_to(PACKAGE.parent).as_posix()] = hits
    assert not offenders, f"legacy Session bulk API bypasses change capture: {offenders}"


def test_the_checks_catch_what_they_should():
    """The detectors themselves: imports inside functions and aliased attribute calls."""
    source = (
        "def f(session):\n"
        "    from PySide6.QtCore import QObject\n"
        "    import shiboken6 as sb\n"
        "    session.bulk_insert_mappings(Model, rows)\n"
    )
    tree = ast.parse(source)
    assert len(_qt_imports(tree)) == 2
    assert [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in LEGACY_BULK]
