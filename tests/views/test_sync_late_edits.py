"""The "Sửa sau khi khóa" list (Đồng bộ menu, and the status badge): marks received after this PC's lock,
kept or reverted by the principal with a confirmation; a teacher is offered nothing.

``NK_SCREENSHOTS=1`` also saves docs/screenshots/sync-late-edits.png (and the status bar with its badge)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from sqlalchemy import select

from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.sync import late_edits
from tests.views.test_sync_views import Said, ids, net, network_template, no_session_key, wait_refreshed  # noqa: F401
from tests.views.test_sync_views import window_for

ROOT = Path(__file__).resolve().parents[2]
CK1_DAY = dt.date(2026, 12, 28)


def _late(net, ids):
    p, t = net["a"], net["b"]
    gradebook.save_subject_cells(p.db, ids.teacher, ids.class_4a, ids.math, "CK1",
                                 [CellEdit(ids.pupils[0], "level", "H")], on=CK1_DAY)
    net.sync_all()
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a, subject_id=ids.math,
                       milestone="CK1")
    gradebook.save_subject_cells(t.db, ids.teacher, ids.class_4a, ids.math, "CK1",
                                 [CellEdit(ids.pupils[0], "level", "T"), CellEdit(ids.pupils[1], "level", "C")],
                                 on=CK1_DAY)
    t.sync()
    p.sync()
    return p


def _ck1_level(pc, ids, pupil: int):
    with pc.db.read() as session:
        return session.scalar(select(SubjectResult.level).where(
            SubjectResult.pupil_id == ids.pupils[pupil], SubjectResult.milestone == "CK1"))


def test_the_badge_counts_them_and_the_list_keeps_and_reverts_with_a_confirmation(qtbot, tmp_path, net, ids):
    p = _late(net, ids)
    said = Said()
    window = window_for(qtbot, tmp_path, p.db, ids.principal, said)
    wait_refreshed(qtbot, window.sync_ui)
    badge = window.sync_ui.widget.badge
    assert not badge.isHidden() and badge.text() == "2 sửa sau khóa"
    badge.click()
    dialog = window.sync_ui.dialog
    assert dialog.windowTitle() == "Sửa sau khi khóa"
    ModelTester(None).check(dialog.model)
    headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(dialog.model.columnCount())]
    assert headers == ["Lớp", "Môn / phẩm chất", "Đợt", "Học sinh", "Giá trị cũ → mới", "Người sửa", "Lúc sửa"]
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row[:6] == ["4A", "Toán", "CK1", "Lê Thị Mai", "Mức đạt được: HT → HTT", "Cô Lan"]
    assert dialog.keep_button.isEnabled() and dialog.revert_button.isEnabled()
    assert dialog.keep_selected() and "Giữ điểm Cô Lan sửa" in said.questions[-1]
    assert dialog.model.rowCount() == 1 and "Đã giữ" in dialog.done_label.text()
    assert dialog.revert_selected() and "Hoàn lại" in said.questions[-1]
    assert dialog.model.rowCount() == 0 and dialog.count.text() == "Không có điểm nào sửa sau khi khóa."
    assert _ck1_level(p, ids, 0) == "HTT" and _ck1_level(p, ids, 1) is None
    wait_refreshed(qtbot, window.sync_ui)
    assert badge.isHidden()


def test_nothing_changes_when_the_question_is_declined(qtbot, net, ids):
    from nk_desktop.views.sync.queues import LateEditDialog

    p = _late(net, ids)
    dialog = LateEditDialog(p.db, ids.principal, confirm=lambda _parent, _text: False)
    qtbot.addWidget(dialog)
    assert not dialog.revert_selected() and dialog.model.rowCount() == 2 and _ck1_level(p, ids, 0) == "HTT"


def test_a_teacher_gets_no_menu_entry_and_a_db_admin_may_decide(qtbot, tmp_path, net, ids):
    from nk_desktop.views.sync.queues import LateEditDialog

    p = _late(net, ids)
    said = Said()
    teacher = window_for(qtbot, tmp_path, p.db, ids.teacher, said).sync_ui
    assert teacher.late_action is None
    wait_refreshed(qtbot, teacher)
    teacher.widget.badge.click()  # tells whom to ask instead of opening a list they may not read
    assert teacher.dialog is None and "Hiệu trưởng xem xét" in said.infos[-1]
    principal = window_for(qtbot, tmp_path, p.db, ids.principal, said).sync_ui
    assert principal.late_action is not None and principal.late_action.text() == "&Sửa sau khi khóa…"
    admin = LateEditDialog(p.db, ids.admin, confirm=said.confirm)
    qtbot.addWidget(admin)
    assert admin.model.rowCount() == 2 and admin.keep_button.isEnabled()
    # A refusal from the service (here: the cell was changed again since) is shown, nothing changes.
    gradebook.set_lock(p.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a, subject_id=ids.math,
                       milestone="CK1")
    gradebook.save_subject_cells(p.db, ids.teacher, ids.class_4a, ids.math, "CK1",
                                 [CellEdit(ids.pupils[0], "level", "C")], on=CK1_DAY)
    assert not admin.revert_selected() and "không còn là giá trị" in admin.error.text()
    assert admin.model.rowCount() == 2


@pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_late_edits_screenshot(qtbot, qapp, tmp_path, net, ids):
    from PySide6.QtGui import QFont, QFontDatabase

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert QFontDatabase.addApplicationFont(str(ROOT / "nk_desktop" / "resources" / "fonts" / name)) >= 0
    previous = qapp.font()
    qapp.setFont(QFont("DejaVu Sans", 10))
    try:
        p = _late(net, ids)
        window = window_for(qtbot, tmp_path, p.db, ids.principal, Said())
        window.resize(1100, 300)
        window.show()
        wait_refreshed(qtbot, window.sync_ui)
        out = ROOT / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        window.statusBar().grab().save(str(out / "sync-status-bar-late-edits.png"))
        window.sync_ui.open_late_edits().grab().save(str(out / "sync-late-edits.png"))
    finally:
        qapp.setFont(previous)
