"""The "Kiểm tra sổ điểm" page of the review tab (Điều 4.1): the month's board and the remark dialog.

Uses the review tab's small school (4A with Cô Lan's Toán marks, 4B).  The dialog is opened
with ``open()`` (never ``exec()``) and saved by calling its ``save``.  ``test_checks_screenshot``
(``NK_SCREENSHOTS=1``) saves docs/screenshots/review-checks*.png.
"""

from __future__ import annotations

import os

import pytest

from nk_desktop.clock import today
from nk_desktop.services import gradebook_checks as checks

from .test_review_tab import OUT, data, make_tab, template, texts, ui_font  # noqa: F401 (fixtures)

MONTH = f"{today():%Y-%m}"


def test_the_vice_principal_sees_the_months_classes_and_writes_a_remark(qtbot, qtmodeltester, data):  # noqa: F811
    tab = make_tab(qtbot, data, "phohieutruong")
    assert tab.tabs.tabText(tab.tabs.count() - 1) == "Kiểm tra sổ điểm"
    page = tab.show_page("checks")
    qtmodeltester.check(page.model)
    assert page.month == MONTH and page.month_combo.itemData(0) == "2026-09"
    assert texts(page.model) == [("4A", "Trần Thị Lan", "Chưa kiểm tra", "", ""),
                                 ("4B", "", "Chưa kiểm tra", "", "")]
    assert "Đã kiểm tra 0/2 lớp; chưa kiểm tra: 4A, 4B" in page.summary.text()

    page.table.selectRow(0)
    dialog = page.open_dialog()
    qtbot.addWidget(dialog)
    facts = dialog.facts.toPlainText()
    assert dialog.facts.isReadOnly() and "Sĩ số ngày 01/" in facts and ": 3;" in facts
    assert "Cô Lan — kết quả môn học: nhập 3, sửa" in facts
    dialog.save()  # an empty remark is refused in the dialog, which stays open
    assert dialog.notice.isVisible() and "Hãy ghi nhận xét" in dialog.notice.text()
    assert dialog.result() == 0
    dialog.remark.setPlainText("Sổ ghi đủ; điểm CK1 môn Toán đã vào.")
    dialog.save()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert texts(page.model)[0][2:] == (f"Đã kiểm tra ngày {today():%d/%m/%Y}", "Lê Thị Minh",
                                        "Sổ ghi đủ; điểm CK1 môn Toán đã vào.")
    assert "Đã kiểm tra 1/2 lớp; chưa kiểm tra: 4B" in page.summary.text()

    page.table.selectRow(0)  # a second remark for the same month edits the first
    again = page.open_dialog()
    qtbot.addWidget(again)
    assert again.remark.toPlainText() == "Sổ ghi đủ; điểm CK1 môn Toán đã vào."
    again.remark.setPlainText("Đã sửa nhận xét.")
    again.save()
    assert [c.remark for c in checks.checks_for_class(data.db, data.actors["phohieutruong"], data.class_4a)] == [
        "Đã sửa nhận xét."]

    page.month_combo.setCurrentIndex(0)  # September: nothing checked
    assert [row[2] for row in texts(page.model)] == ["Chưa kiểm tra", "Chưa kiểm tra"]


def test_the_page_is_not_there_for_a_group_head(qtbot, data):  # noqa: F811
    tab = make_tab(qtbot, data, "totruong4")
    assert "checks" not in tab.pages
    assert "Kiểm tra sổ điểm" not in [tab.tabs.tabText(i) for i in range(tab.tabs.count())]


@pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_checks_screenshot(qtbot, qapp, ui_font, data):  # noqa: F811
    checks.record_check(data.db, data.actors["phohieutruong"], data.class_4b, MONTH,
                        "Sổ sạch, ghi đủ. Giáo viên môn Toán vào điểm CK1 đúng hạn; sĩ số không đổi.")
    tab = make_tab(qtbot, data, "phohieutruong")
    tab.show()
    page = tab.show_page("checks")
    page.table.selectRow(0)
    qapp.processEvents()
    OUT.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(OUT / "review-checks.png"))
    dialog = page.open_dialog()
    qtbot.addWidget(dialog)
    dialog.remark.setPlainText("Sổ ghi đủ, sạch sẽ. Cô Lan sửa điểm kiểm tra của em Nguyễn Văn An nhiều lần: "
                               "đề nghị kiểm tra lại.")
    qapp.processEvents()
    assert dialog.grab().save(str(OUT / "review-checks-dialog.png"))
