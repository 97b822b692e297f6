"""Qt's own strings (OK/Cancel, copy/paste menu, file dialog) must read in Vietnamese.

Qt ships no Vietnamese qtbase translation, so the project ships qtbase_vi.ts/.qm.
These tests check that the compiled .qm is current, translates what users see, and that
every source text still exists in the Qt we run (a typo or a Qt rename would silently
leave English on screen).
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtWidgets import QDialogButtonBox

TRANSLATIONS = Path(__file__).resolve().parents[1] / "nk_desktop" / "resources" / "translations"
TS_FILE = TRANSLATIONS / "qtbase_vi.ts"
QM_FILE = TRANSLATIONS / "qtbase_vi.qm"

EXPECTED = [
    ("QPlatformTheme", "OK", "Đồng ý"),
    ("QPlatformTheme", "Cancel", "Hủy"),
    ("QPlatformTheme", "&Yes", "&Có"),
    ("QPlatformTheme", "&No", "&Không"),
    ("QPlatformTheme", "Close", "Đóng"),
    ("QPlatformTheme", "Save", "Lưu"),
    ("QPlatformTheme", "Apply", "Áp dụng"),
    ("QPlatformTheme", "Help", "Trợ giúp"),
    ("QPlatformTheme", "Open", "Mở"),
    ("QLineEdit", "&Copy", "&Sao chép"),
    ("QLineEdit", "&Paste", "&Dán"),
    ("QLineEdit", "Select All", "Chọn tất cả"),
    ("QWidgetTextControl", "&Undo", "&Hoàn tác"),
    ("QFileDialog", "File &name:", "Tên tệ&p:"),
    ("QMessageBox", "Show Details...", "Hiện chi tiết..."),
    ("QUndoStack", "Undo %1", "Hoàn tác %1"),
]


def ts_messages() -> list[tuple[str, str, str]]:
    root = ET.parse(TS_FILE).getroot()
    return [
        (context.findtext("name"), message.findtext("source"), message.findtext("translation"))
        for context in root.iter("context")
        for message in context.iter("message")
    ]


@pytest.fixture
def vi_translator(qapp):
    translator = QTranslator()
    assert translator.load(str(QM_FILE)), f"cannot load {QM_FILE}"
    QCoreApplication.installTranslator(translator)
    yield translator
    QCoreApplication.removeTranslator(translator)


@pytest.mark.parametrize(("context", "source", "vietnamese"), EXPECTED)
def test_translator_returns_vietnamese(vi_translator, context, source, vietnamese):
    assert vi_translator.translate(context, source) == vietnamese


def test_every_ts_message_is_in_the_compiled_qm(vi_translator):
    """Guards against editing the .ts and forgetting to run pyside6-lrelease."""
    stale = [(c, s) for c, s, t in ts_messages() if vi_translator.translate(c, s) != t]
    assert not stale, f"qtbase_vi.qm is out of date; run pyside6-lrelease: {stale[:5]}"


def test_dialog_button_box_reads_vietnamese(vi_translator, qtbot):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Hủy"
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "Đồng ý"


def test_source_texts_exist_in_this_qt(qapp):
    """Each source text must be one Qt itself asks for; Qt's German catalogue is the oracle."""
    german = QTranslator()
    if not german.load("qtbase_de", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        pytest.skip("this Qt build ships no qtbase_de.qm")
    unknown = [(c, s) for c, s, _ in ts_messages() if not german.translate(c, s)]
    assert not unknown, f"not Qt source texts (typo, or renamed in this Qt version): {unknown}"


def test_qm_matches_a_fresh_lrelease(tmp_path):
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    if not lrelease.exists():
        pytest.skip("pyside6-lrelease not installed next to this Python")
    fresh = tmp_path / "fresh.qm"
    subprocess.run([str(lrelease), "-silent", str(TS_FILE), "-qm", str(fresh)], check=True)
    assert fresh.read_bytes() == QM_FILE.read_bytes(), "run pyside6-lrelease on qtbase_vi.ts"
