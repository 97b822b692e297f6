"""The one conflict dialog: someone else saved cells being typed here (another window, another PC's sync,
another user of the PostgreSQL server).  It lists each cell with their value and yours; "Tải lại"
reads the grid again and puts your typing back on the cells (red, not yet saved) so nothing is lost;
"Để sau" closes it and leaves the typed cells marked as they are.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from nk_desktop.i18n import _
from nk_desktop.services.versions import CellConflict
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, make_table

COLUMNS = (Column(_("Học sinh")), Column(_("Ô")), Column(_("Giá trị của họ")), Column(_("Giá trị của bạn")))
_WIDTHS = (190, 230, 150)


class ConflictDialog(QDialog):
    def __init__(self, conflicts: list[CellConflict], parent: QWidget | None = None):
        super().__init__(parent)
        self.conflicts = list(conflicts)
        self.setWindowTitle(_("Người khác vừa sửa các ô bạn đang nhập"))
        self.resize(820, 360)
        layout = QVBoxLayout(self)
        head = QLabel(_("Người khác vừa sửa {n} ô bạn đang nhập (trên cửa sổ khác, trên máy khác qua đồng bộ, hoặc "
                        "trên máy chủ dữ liệu). Thay đổi của bạn chưa được lưu, và không ô nào của lần lưu này "
                        "được ghi.").format(n=len(self.conflicts)), self)
        head.setWordWrap(True)
        layout.addWidget(head)
        self.model = RowTableModel(COLUMNS, self)
        self.model.set_rows([Row((c.pupil_name, c.what, c.theirs, c.yours), (c.pupil_name, c.what, c.theirs, c.yours),
                                 tooltips=("", "", c.theirs, c.yours)) for c in self.conflicts])
        self.table = make_table(self.model, self, stretch=3, sortable=False)
        for column, width in enumerate(_WIDTHS):
            self.table.horizontalHeader().resizeSection(column, width)
        layout.addWidget(self.table, 1)
        tail = QLabel(_("“Tải lại” đọc lại bảng để thấy giá trị của họ; những gì bạn đã gõ vẫn hiện ở các ô tô đỏ "
                        "(chưa lưu). Xem lại rồi nhấn F2, Enter trên ô để lưu giá trị của bạn, hoặc để nguyên giá trị "
                        "của họ."), self)
        tail.setWordWrap(True)
        layout.addWidget(tail)
        buttons = QDialogButtonBox(self)
        self.reload_button = buttons.addButton(_("Tải lại"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = buttons.addButton(_("Để sau"), QDialogButtonBox.ButtonRole.RejectRole)
        self.reload_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
