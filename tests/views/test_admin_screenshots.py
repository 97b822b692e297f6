"""Screenshots of every "Quản trị" page on the demo school, for review (docs/screenshots/admin-*.png).

Run on demand: ``NK_SCREENSHOTS=1 QT_QPA_PLATFORM=offscreen pytest tests/views/test_admin_screenshots.py``.
Open the pictures and check: Vietnamese letters drawn (no boxes), nothing clipped, columns readable.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase

from nk_desktop.db import open_database
from nk_desktop.services import accounts, audit, school, staff
from nk_desktop.views.admin import AdminTab
from nk_desktop.views.admin.messages import Messages

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "nk_desktop" / "resources" / "fonts"
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "demo12345"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)"),
]


class SilentMessages(Messages):
    def warn(self, parent, text):
        raise AssertionError(text)

    def inform(self, parent, text):
        pass

    def confirm(self, parent, text):
        return True


@pytest.fixture
def ui_font(qapp):
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert QFontDatabase.addApplicationFont(str(FONTS / name)) >= 0
    previous = qapp.font()
    qapp.setFont(QFont("DejaVu Sans", 10))
    yield
    qapp.setFont(previous)


def test_admin_screenshots(qtbot, qapp, ui_font, tmp_path):
    from nk_desktop.services.demo import build_demo_school

    db = open_database(tmp_path / "demo.sqlite")
    build_demo_school(db, PASSWORD)
    principal = accounts.login(db, "hieutruong", PASSWORD).actor
    # A few of the principal's own changes, so the log shows more than the demo's creation.
    first = next(s for s in staff.list_staff(db, principal) if s.position != "Hiệu trưởng")
    staff.update_staff(db, principal, first.id, phone="0912000111", position="Tổ phó chuyên môn")
    year = next(year for year, is_current in school.list_years(db, principal) if is_current)
    first_year = year.start_date.year
    school.add_day_off(db, principal, dt.date(first_year, 11, 20), "Ngày Nhà giáo Việt Nam (nghỉ theo kế hoạch)")
    school.add_day_off(db, principal, dt.date(first_year + 1, 1, 2), "Nghỉ bù Tết Dương lịch")
    school.add_day_off(db, principal, dt.date(first_year + 1, 1, 9), "Học bù ngày 02/01", working=True)
    accounts.reset_password(db, principal, "gv4b", "tam12345ab")

    tab = AdminTab(db, principal, messages=SilentMessages())
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    OUT.mkdir(parents=True, exist_ok=True)
    for key in tab.page_keys():
        page = tab.show_page(key)
        if key == "staff":
            page.table.selectRow(1)
        if key == "years":
            page.days_table.selectRow(0)
        if key == "assignments":
            page.class_combo.setCurrentIndex(page.class_combo.findText("4B"))
            page.table.selectRow(1)
        if key == "audit":
            page.verify_button.click()
        qapp.processEvents()
        assert tab.grab().save(str(OUT / f"admin-{key}.png"))
    assert audit.verify(db, principal).intact
    db.dispose()
