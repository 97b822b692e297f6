"""Page "Lớp học": the classes of a year with their homeroom teacher and size."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import school, staff as staff_service
from nk_desktop.services.permissions import Action
from nk_desktop.services.school import ClassRow
from nk_desktop.views.admin.forms import FormDialog, staff_combo
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, fit_columns, make_table, selected_row, \
    text_key
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage, YearCombo, load_years

COLUMNS = (Column(_("Lớp")), Column(_("Khối"), align_right=True), Column(_("GV chủ nhiệm")),
           Column(_("Sĩ số"), align_right=True))
NO_HOMEROOM = _("(chưa có)")


class ClassDialog(FormDialog):
    """A new class in a year, with its homeroom teacher and room if already known."""

    def __init__(self, db: Database, actor: Actor, year_id: uuid.UUID, year_name: str,
                 staff: list[StaffMember], parent: QWidget | None = None):
        super().__init__(_("Thêm lớp — năm học {name}").format(name=year_name), parent)
        self.db, self.actor, self.year_id = db, actor, year_id
        self.name = self.line(_("Tên lớp:"), "name", placeholder=_("ví dụ 4A"))
        self.homeroom = staff_combo(self, staff, None, none_label=NO_HOMEROOM)
        self.add_field(_("GV chủ nhiệm:"), self.homeroom, "homeroom")
        self.room = self.line(_("Phòng học:"), "room")

    def submit(self) -> uuid.UUID:
        return school.create_class(self.db, self.actor, self.year_id, self.name.text(),
                                   homeroom_id=self.homeroom.currentData(), room=self.room.text())


class HomeroomDialog(FormDialog):
    """Change (or clear) a class's homeroom teacher."""

    def __init__(self, db: Database, actor: Actor, row: ClassRow, staff: list[StaffMember],
                 parent: QWidget | None = None):
        super().__init__(_("Đổi giáo viên chủ nhiệm lớp {name}").format(name=row.name), parent)
        self.db, self.actor, self.row = db, actor, row
        self.add_field(_("Hiện nay:"), QLabel(row.homeroom_name or NO_HOMEROOM, self))
        self.homeroom = staff_combo(self, staff, row.homeroom_id, none_label=NO_HOMEROOM)
        self.add_field(_("GV chủ nhiệm mới:"), self.homeroom, "homeroom")

    def submit(self) -> uuid.UUID:
        school.set_homeroom(self.db, self.actor, self.row.id, self.homeroom.currentData())
        return self.row.id


class ClassesPage(AdminPage):
    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(db, actor, messages, parent)
        self.manage = self.may(Action.CLASS_MANAGE)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Năm học:"), self))
        self.year_combo = YearCombo(self)
        top.addWidget(self.year_combo)
        top.addStretch(1)
        self.count_label = QLabel(self)
        top.addWidget(self.count_label)
        layout.addLayout(top)

        self.model = RowTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch=2)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Thêm lớp…"), self)
        self.homeroom_button = QPushButton(_("Đổi GV chủ nhiệm…"), self)
        for button in (self.add_button, self.homeroom_button):
            button.setAutoDefault(False)
            button.setVisible(self.manage)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.year_combo.year_changed.connect(self.load_classes)
        self.table.activated.connect(lambda _index: self.open_homeroom() if self.manage else None)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.add_button.clicked.connect(self.open_add_class)
        self.homeroom_button.clicked.connect(self.open_homeroom)
        self.refresh()

    def refresh(self) -> None:
        self.year_combo.load(load_years(self))
        self.load_classes()

    def load_classes(self, select: uuid.UUID | None = None) -> None:
        keep = select or (self.current().id if self.current() else None)
        year_id = self.year_combo.year_id()
        classes: list[ClassRow] = []
        if year_id is not None:
            ok, found = self.call(school.list_classes, self.db, self.actor, year_id)
            classes = found if ok else []
        self.model.set_rows([
            Row((c.name, str(c.grade), c.homeroom_name, str(c.pupils)),
                ((c.grade, len(c.name), c.name), c.grade, text_key(c.homeroom_name), c.pupils), c)
            for c in classes
        ])
        fit_columns(self.table)
        self.count_label.setText(_("{n} lớp, {p} học sinh").format(n=len(classes), p=sum(c.pupils for c in classes)))
        if keep is not None:
            row = self.model.find(lambda c: c.id == keep)
            if row >= 0:
                self.table.selectRow(row)
        self._update_buttons()

    def current(self) -> ClassRow | None:
        return self.model.payload(selected_row(self.table))

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(self.year_combo.year_id() is not None)
        self.homeroom_button.setEnabled(self.current() is not None)

    def _staff(self) -> list[StaffMember] | None:
        ok, staff = self.call(staff_service.list_staff, self.db, self.actor)
        return staff if ok else None

    def open_add_class(self) -> ClassDialog | None:
        year_id = self.year_combo.year_id()
        staff = self._staff()
        if year_id is None or staff is None:
            return None
        dialog = ClassDialog(self.db, self.actor, year_id, self.year_combo.year_name(), staff, self)
        return self.open_dialog(dialog, lambda: self.load_classes(select=dialog.result_value))

    def open_homeroom(self) -> HomeroomDialog | None:
        row = self.current()
        staff = self._staff() if row is not None else None
        if row is None or staff is None:
            return None
        dialog = HomeroomDialog(self.db, self.actor, row, staff, self)
        return self.open_dialog(dialog, lambda: self.load_classes(select=row.id))
