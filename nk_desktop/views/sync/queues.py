"""The conflict queue and the quarantine list: grids over one service call each, and the decisions.

The services decide who may do what (``conflicts.resolve``: the principal, or a person who
wrote one of the values; ``release``/``dismiss``: the principal); the buttons are shown or
enabled only for them, so nobody is offered a button that would be refused.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout,
    QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.clock import to_local
from nk_desktop.db import Database
from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.services.permissions import Role
from nk_desktop.views.common import messages

Confirm = Callable[[QWidget, str], bool]
_Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Rows of precomputed display strings (``data`` is a lookup) plus the object each row shows."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[Any] = []
        self.cells: list[tuple[str, ...]] = []

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.cells = [self.display(item) for item in self.items]
        self.endResetModel()

    def display(self, item) -> tuple[str, ...]:
        raise NotImplementedError

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.cells)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cells[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


class ConflictModel(RowsModel):
    headers = (_("Học sinh"), _("Lớp"), _("Môn / bản ghi"), _("Trường dữ liệu"), _("Các giá trị đang giữ"),
               _("Người nhập"), _("Sổ chính thức"), _("Phát hiện lúc"))

    def display(self, c) -> tuple[str, ...]:
        return (c.pupil or "—", c.class_name or "—", c.subject or c.label or c.table, c.field_label,
                "  |  ".join(v.text or _("(trống)") for v in c.values),
                "  |  ".join(v.author or "?" for v in c.values),
                _("có — chặn in, khóa") if c.official else _("không"),
                to_local(c.first_seen).strftime("%H:%M %d/%m/%Y"))


def _table(model: QAbstractTableModel, widths: tuple[int, ...]) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setDefaultSectionSize(24)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    for column, width in enumerate(widths):
        view.setColumnWidth(column, width)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    return label


class _QueueDialog(QDialog):
    """A list read from one service call, its count line and an error line; subclasses say what to fetch."""

    def reload(self) -> None:
        self.error.clear()
        try:
            items = self._fetch()
        except NKError as error:
            items = []
            self.error.setText(str(error))
        self.model.set_items(items)
        self.count.setText(self._count_text(len(items)))
        if items:
            self.view.selectRow(0)
        self._selected()

    def current(self):
        rows = self.view.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None


class _DecisionDialog(_QueueDialog):
    """A queue where the person allowed takes one of two decisions on the selected item, after a confirmation.

    Subclasses give ``_describe(item)`` → (who, what, values) for the question and ``_decidable(item)``."""

    def _build(self, title: str, intro_text: str, model: RowsModel, widths: tuple[int, ...],
               actions: tuple[tuple[str, Callable[[], bool]], ...], allowed: bool, width: int) -> None:
        self.setWindowTitle(title)
        intro = QLabel(intro_text)
        intro.setWordWrap(True)
        self.model = model
        self.view = _table(model, widths)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.allowed = allowed
        self.buttons = []
        for text, slot in actions:
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(allowed)
            self.buttons.append(button)
        self.error = _error_label()
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.count = QLabel()
        close = QPushButton(_("Đóng"))
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        for button in self.buttons:
            bottom.addWidget(button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.done_label)
        layout.addLayout(bottom)
        self.resize(width, 420)
        self.reload()

    def _decidable(self, item) -> bool:
        return True

    def _selected(self, *_args) -> None:
        item = self.current()
        usable = self.allowed and item is not None and self._decidable(item)
        for button in self.buttons:
            button.setEnabled(usable)

    def _decide(self, function, question: str, done: str) -> bool:
        item = self.current()
        if item is None or not self._decidable(item):
            return False
        who, what, values = self._describe(item)
        if not self._confirm(self, question.format(who=who, what=what, values=values)):
            return False
        self.error.clear()
        try:
            function(self.db, self.actor, item.id)
        except NKError as error:
            self.error.setText(str(error))
            return False
        self.done_label.setText(done.format(what=what))
        self.reload()
        return True


class ConflictQueueDialog(_QueueDialog):
    """Open conflicts; choosing one of the kept values settles the cell on every PC."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 confirm: Confirm = messages.confirm):
        super().__init__(parent)
        self.db, self.actor, self._confirm = db, actor, confirm
        self.setWindowTitle(_("Xung đột cần giải quyết"))
        intro = QLabel(_("Những ô dưới đây được hai máy sửa cùng lúc thành hai giá trị khác nhau; cả hai đều được "
                         "giữ lại. Sổ chính thức có xung đột chưa in và chưa khóa được. Chọn giá trị đúng: "
                         "Hiệu trưởng chọn được mọi ô, người đã nhập một trong các giá trị chọn được ô đó. "
                         "Muốn ghi giá trị khác, hãy sửa ô đó như bình thường."))
        intro.setWordWrap(True)
        self.model = ConflictModel(self)
        self.view = _table(self.model, (160, 45, 115, 120, 170, 150, 140))
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.choice = QComboBox()
        self.choice.setMinimumWidth(280)
        self.keep_button = QPushButton(_("Giữ giá trị này"))
        self.keep_button.clicked.connect(self.resolve_selected)
        self.error = _error_label()
        self.count = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Giá trị đúng:")))
        row.addWidget(self.choice, 1)
        row.addWidget(self.keep_button)
        close = QPushButton(_("Đóng"))
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.resize(1100, 460)
        self.reload()

    def _fetch(self) -> list:
        from nk_desktop.sync import conflicts

        return conflicts.list_conflicts(self.db, self.actor)

    def _count_text(self, n: int) -> str:
        return _("{n} ô đang xung đột.").format(n=n) if n else _("Không có xung đột nào.")

    def _selected(self, *_args) -> None:
        conflict = self.current()
        self.choice.clear()
        if conflict is None:
            self.keep_button.setEnabled(False)
            self.choice.setEnabled(False)
            return
        for value in conflict.values:
            self.choice.addItem(_("{value} — do {who} nhập").format(value=value.text or _("(trống)"),
                                                                    who=value.author or "?"), value)
        allowed = conflict.may_resolve(self.actor)
        self.choice.setEnabled(allowed)
        self.keep_button.setEnabled(allowed)
        self.keep_button.setToolTip("" if allowed else _("Chỉ Hiệu trưởng hoặc người đã nhập một trong các giá trị "
                                                         "được chọn giá trị đúng."))

    def resolve_selected(self) -> bool:
        from nk_desktop.sync import conflicts

        conflict, value = self.current(), self.choice.currentData()
        if conflict is None or value is None:
            return False
        who = conflict.pupil or conflict.label
        if not self._confirm(self, _("Giữ “{value}” cho {field} của {who}? Giá trị kia được thay trên mọi máy "
                                     "(vẫn xem lại được trong nhật ký).").format(
                value=value.text, field=conflict.field_label, who=who)):
            return False
        import uuid

        try:
            conflicts.resolve(self.db, self.actor, conflict.table, uuid.UUID(conflict.row_id), conflict.field,
                              value.value)
        except NKError as error:
            self.error.setText(str(error))
            return False
        self.reload()
        return True


class QuarantineModel(RowsModel):
    headers = (_("Nhận lúc"), _("Loại"), _("Người gửi"), _("Bản ghi"), _("Giá trị mang theo"), _("Lý do giữ lại"))

    def display(self, q) -> tuple[str, ...]:
        kind = _("Thay đổi") if q.kind == "op" else _("Máy tạm dừng (tệp {n})").format(n=q.seq)
        record = ", ".join(p for p in (q.pupil, q.class_name, q.subject) if p)
        record = f"{record} — {q.label}" if record and q.label else (record or q.label or q.table)
        return (_time(q.first_seen), kind, q.author or _("máy {node}").format(node=q.node[:8]), record,
                q.fields or "—", q.reason)


def _time(text: str) -> str:
    import datetime as dt

    try:
        return to_local(dt.datetime.fromisoformat(text)).strftime("%H:%M %d/%m/%Y")
    except ValueError:
        return text[:16]


class QuarantineDialog(_DecisionDialog):
    """Changes received but not applied (their sender's role did not permit them), and paused PCs."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 confirm: Confirm = messages.confirm):
        super().__init__(parent)
        self.db, self.actor, self._confirm = db, actor, confirm
        self._build(_("Thay đổi bị giữ lại"), _(
            "Thay đổi nhận từ máy khác nhưng người gửi không có quyền làm (sổ đã khóa, ngoài phân "
            "công…) không được ghi vào dữ liệu; chúng được giữ lại ở đây, không mất. Hiệu trưởng xem "
            "xét: “Cho ghi” khi thay đổi là đúng (kiểm tra lại theo quy định và khóa sổ hiện nay), "
            "hoặc “Bỏ qua”. Cả hai đều được ghi vào nhật ký."),
            QuarantineModel(self), (125, 80, 110, 300, 170),
            ((_("Cho ghi…"), self.release_selected), (_("Bỏ qua…"), self.dismiss_selected)),
            actor.is_system or actor.has(Role.HIEU_TRUONG.value), 1100)
        self.release_button, self.dismiss_button = self.buttons

    def _fetch(self) -> list:
        from nk_desktop.sync import conflicts

        return conflicts.list_quarantine(self.db, self.actor)

    def _count_text(self, n: int) -> str:
        return _("{n} mục bị giữ lại.").format(n=n) if n else _("Không có gì bị giữ lại.")

    def _decidable(self, item) -> bool:
        return item.kind == "op"

    def _describe(self, item) -> tuple[str, str, str]:
        return item.author or "?", item.label or item.table, item.fields or "—"

    def release_selected(self) -> bool:
        from nk_desktop.sync import conflicts

        return self._decide(conflicts.release,
                            _("Cho ghi thay đổi của {who} vào {what} ({values})? Thay đổi được kiểm tra lại theo "
                              "khóa sổ hiện nay rồi ghi với tên Hiệu trưởng và gửi tới mọi máy."),
                            _("Đã ghi thay đổi vào {what}."))

    def dismiss_selected(self) -> bool:
        from nk_desktop.sync import conflicts

        return self._decide(conflicts.dismiss,
                            _("Bỏ qua thay đổi của {who} vào {what} ({values})? Dữ liệu giữ nguyên; quyết định "
                              "được ghi vào nhật ký."),
                            _("Đã bỏ qua thay đổi vào {what}."))


class LateEditModel(RowsModel):
    headers = (_("Lớp"), _("Môn / phẩm chất"), _("Đợt"), _("Học sinh"), _("Giá trị cũ → mới"), _("Người sửa"),
               _("Lúc sửa"))

    def display(self, e) -> tuple[str, ...]:
        return (e.class_name or "—", e.topic or "—", e.milestone or "—", e.pupil or "—", e.changes_text,
                e.author or "?", to_local(e.made_at).strftime("%H:%M %d/%m/%Y"))


class LateEditDialog(_DecisionDialog):
    """Marks received after this PC's lock, made on a PC that had not seen it yet: the principal keeps or reverts."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 confirm: Confirm = messages.confirm):
        from nk_desktop.sync.late_edits import may_decide

        super().__init__(parent)
        self.db, self.actor, self._confirm = db, actor, confirm
        self._build(_("Sửa sau khi khóa"), _(
            "Những điểm dưới đây được sửa trên một máy chưa nhận được lệnh khóa sổ, rồi mới đến máy "
            "này khi sổ đã khóa. Điểm đã được ghi, nhưng sổ khóa chưa in được cho đến khi Hiệu trưởng "
            "xem xét từng điểm: “Giữ” nếu điểm sửa là đúng, hoặc “Hoàn lại” để ghi lại giá trị cũ (ghi "
            "như một lần sửa điểm của Hiệu trưởng, gửi tới mọi máy). Cả hai đều được ghi vào nhật ký."),
            LateEditModel(self), (50, 150, 50, 170, 230, 120),
            ((_("Giữ…"), self.keep_selected), (_("Hoàn lại…"), self.revert_selected)), may_decide(actor), 1000)
        self.keep_button, self.revert_button = self.buttons

    def _fetch(self) -> list:
        from nk_desktop.sync import late_edits

        return late_edits.list_late_edits(self.db, self.actor)

    def _count_text(self, n: int) -> str:
        return _("{n} điểm chờ xem xét.").format(n=n) if n else _("Không có điểm nào sửa sau khi khóa.")

    def _describe(self, item) -> tuple[str, str, str]:
        what = _("{topic} {milestone} của {pupil} (lớp {c})").format(topic=item.topic, milestone=item.milestone,
                                                                    pupil=item.pupil or "?", c=item.class_name)
        return item.author or "?", what, item.changes_text

    def keep_selected(self) -> bool:
        from nk_desktop.sync import late_edits

        return self._decide(late_edits.keep,
                            _("Giữ điểm {who} sửa sau khi khóa: {what} — {values}? Điểm giữ nguyên; quyết định được "
                              "ghi vào nhật ký."),
                            _("Đã giữ điểm sửa: {what}."))

    def revert_selected(self) -> bool:
        from nk_desktop.sync import late_edits

        return self._decide(late_edits.revert,
                            _("Hoàn lại điểm {who} sửa sau khi khóa: {what} — {values}? Giá trị cũ được ghi lại với "
                              "tên của bạn (như một lần sửa điểm) và gửi tới mọi máy."),
                            _("Đã hoàn lại giá trị cũ: {what}."))
