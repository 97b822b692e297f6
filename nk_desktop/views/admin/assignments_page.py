"""Page "Phân công giảng dạy": who teaches each subject of a class; the subject groups."""

from __future__ import annotations

import dataclasses
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from nk_desktop.actor import Actor
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import curriculum, school, staff as staff_service
from nk_desktop.services.permissions import Action
from nk_desktop.services.school import AssignmentRow, ClassRow
from nk_desktop.text import person_sort_key
from nk_desktop.views.admin.forms import FormDialog, find_data, staff_combo
from nk_desktop.views.admin.grid import Column, Row, RowTableModel, fit_columns, make_table, selected_row, \
    text_key
from nk_desktop.views.admin.messages import Messages
from nk_desktop.views.admin.page import AdminPage, YearCombo, load_years

SUBJECT_COLUMNS = (Column(_("Môn học / hoạt động")), Column(_("Số tiết/năm"), align_right=True),
                   Column(_("Kiểm tra định kì")), Column(_("Giáo viên")))
GROUP_COLUMNS = (Column(_("Tổ chuyên môn")), Column(_("Tổ trưởng")), Column(_("Thành viên"), tooltip=True))
NOT_ASSIGNED = _("(chưa phân công)")


@dataclasses.dataclass(frozen=True)
class SubjectLine:
    """A subject of the chosen class and its assignment, if any."""

    subject: school.GradeSubject
    assignment: AssignmentRow | None


class AssignDialog(FormDialog):
    """Choose the teacher of a subject in a class (replaces the current one)."""

    def __init__(self, db: Database, actor: Actor, school_class: ClassRow, line: SubjectLine,
                 staff: list[StaffMember], parent: QWidget | None = None):
        super().__init__(_("Phân công giảng dạy"), parent)
        self.db, self.actor, self.school_class, self.subject_line = db, actor, school_class, line
        self.add_field(_("Lớp:"), QLabel(school_class.name, self))
        self.add_field(_("Môn:"), QLabel(line.subject.name, self))
        current = line.assignment.staff_id if line.assignment else None
        self.teacher = staff_combo(self, staff, current)
        self.add_field(_("Giáo viên:"), self.teacher, "staff")

    def submit(self) -> uuid.UUID:
        if self.teacher.currentData() is None:
            raise ValidationError(_("Hãy chọn giáo viên."), field="staff")
        return school.assign_teacher(self.db, self.actor, self.school_class.id, self.subject_line.subject.id,
                                     self.teacher.currentData())


def milestone_text(codes: str) -> tuple[str, str]:
    """("CK1, CN", "Cuối học kì I, Cuối năm học"): short cell text and its tooltip."""
    parts = [c for c in codes.split(",") if c]
    return ", ".join(parts), ", ".join(curriculum.MILESTONE_NAMES.get(c, c) for c in parts)


class AssignmentsPage(AdminPage):
    def __init__(self, db: Database, actor: Actor, messages: Messages, parent: QWidget | None = None):
        super().__init__(db, actor, messages, parent)
        self.manage = self.may(Action.ASSIGNMENT_MANAGE)
        self.classes: list[ClassRow] = []
        self.assignments: list[AssignmentRow] = []
        self.names: dict[uuid.UUID, StaffMember] = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Năm học:"), self))
        self.year_combo = YearCombo(self)
        top.addWidget(self.year_combo)
        top.addSpacing(16)
        top.addWidget(QLabel(_("Lớp:"), self))
        self.class_combo = QComboBox(self)
        self.class_combo.setMinimumContentsLength(6)
        top.addWidget(self.class_combo)
        top.addStretch(1)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        upper = QWidget(splitter)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        self.model = RowTableModel(SUBJECT_COLUMNS, self)
        self.table = make_table(self.model, upper, stretch=3)
        upper_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.assign_button = QPushButton(_("Phân công…"), upper)
        self.unassign_button = QPushButton(_("Bỏ phân công"), upper)
        for button in (self.assign_button, self.unassign_button):
            button.setAutoDefault(False)
            button.setVisible(self.manage)
            buttons.addWidget(button)
        buttons.addStretch(1)
        upper_layout.addLayout(buttons)

        groups_box = QGroupBox(_("Tổ chuyên môn"), splitter)
        groups_layout = QVBoxLayout(groups_box)
        self.groups_model = RowTableModel(GROUP_COLUMNS, self)
        self.groups_table = make_table(self.groups_model, groups_box, stretch=2)
        groups_layout.addWidget(self.groups_table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([440, 280])  # the 12–13 subjects of a grade, and about 7 groups
        layout.addWidget(splitter, 1)

        self.year_combo.year_changed.connect(self.load_year)
        self.class_combo.currentIndexChanged.connect(lambda _i: self.load_class())
        self.table.activated.connect(lambda _index: self.open_assign() if self.manage else None)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.assign_button.clicked.connect(self.open_assign)
        self.unassign_button.clicked.connect(self.unassign)
        self.refresh()

    # --- loading ---------------------------------------------------------------------

    def refresh(self) -> None:
        self.year_combo.load(load_years(self))
        ok, staff = self.call(staff_service.list_staff, self.db, self.actor, include_inactive=True)
        self.names = {s.id: s for s in staff} if ok else {}
        self.load_year()

    def load_year(self) -> None:
        year_id = self.year_combo.year_id()
        keep = self.class_combo.currentData()
        self.classes, self.assignments, groups = [], [], []
        if year_id is not None:
            ok, classes = self.call(school.list_classes, self.db, self.actor, year_id)
            self.classes = classes if ok else []
            ok, assignments = self.call(school.list_assignments, self.db, self.actor, year_id)
            self.assignments = assignments if ok else []
            ok, found = self.call(school.list_groups, self.db, self.actor, year_id)
            groups = found if ok else []
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for c in self.classes:
            self.class_combo.addItem(c.name, c.id)
        position = find_data(self.class_combo, keep) if keep is not None else -1
        self.class_combo.setCurrentIndex(position if position >= 0 else (0 if self.classes else -1))
        self.class_combo.blockSignals(False)
        self._load_groups(groups)
        self.load_class()

    def _name(self, staff_id: uuid.UUID | None) -> str:
        member = self.names.get(staff_id) if staff_id else None
        return member.full_name if member else ""

    def _load_groups(self, groups) -> None:
        rows = []
        for group, member_ids in groups:
            members = sorted((self.names[m] for m in member_ids if m in self.names),
                             key=lambda s: person_sort_key(s.family_name, s.middle_name, s.given_name, str(s.id)))
            cells = (group.name, self._name(group.head_id), ", ".join(s.full_name for s in members))
            rows.append(Row(cells, (text_key(cells[0]), text_key(cells[1]), len(members)), group))
        self.groups_model.set_rows(rows)
        fit_columns(self.groups_table)

    def current_class(self) -> ClassRow | None:
        class_id = self.class_combo.currentData()
        return next((c for c in self.classes if c.id == class_id), None)

    def load_class(self, select: uuid.UUID | None = None) -> None:
        school_class = self.current_class()
        keep = select or (self.current().subject.id if self.current() else None)
        lines: list[SubjectLine] = []
        if school_class is not None:
            ok, subjects = self.call(school.subjects_of_grade, self.db, self.actor, self.year_combo.year_id(),
                                     school_class.grade)
            assigned = {a.subject_id: a for a in self.assignments if a.class_id == school_class.id}
            lines = [SubjectLine(s, assigned.get(s.id)) for s in (subjects if ok else [])]
        rows = []
        for position, line in enumerate(lines):
            tests, tests_tip = milestone_text(line.subject.tested_milestones)
            teacher = line.assignment.teacher_name if line.assignment else NOT_ASSIGNED
            cells = (line.subject.name, str(line.subject.periods_per_year), tests, teacher)
            rows.append(Row(cells, (position, line.subject.periods_per_year, text_key(tests),
                                    (line.assignment is None, text_key(teacher))),
                            line, dim=line.assignment is None, tooltips=("", "", tests_tip, "")))
        self.model.set_rows(rows)
        fit_columns(self.table)
        if keep is not None:
            row = self.model.find(lambda line: line.subject.id == keep)
            if row >= 0:
                self.table.selectRow(row)
        self._update_buttons()

    def current(self) -> SubjectLine | None:
        return self.model.payload(selected_row(self.table))

    def _update_buttons(self) -> None:
        line = self.current()
        self.assign_button.setEnabled(line is not None)
        self.unassign_button.setEnabled(bool(line and line.assignment))

    # --- actions ---------------------------------------------------------------------

    def _reload(self, subject_id: uuid.UUID) -> None:
        year_id = self.year_combo.year_id()
        ok, assignments = self.call(school.list_assignments, self.db, self.actor, year_id)
        if ok:
            self.assignments = assignments
        self.load_class(select=subject_id)

    def open_assign(self) -> AssignDialog | None:
        school_class, line = self.current_class(), self.current()
        if school_class is None or line is None:
            return None
        active = [s for s in self.names.values() if s.active]  # dict keeps the official order
        dialog = AssignDialog(self.db, self.actor, school_class, line, active, self)
        return self.open_dialog(dialog, lambda: self._reload(line.subject.id))

    def unassign(self) -> None:
        school_class, line = self.current_class(), self.current()
        if school_class is None or line is None or line.assignment is None:
            return
        if not self.messages.confirm(self, _("Bỏ phân công {teacher} dạy {subject} lớp {cls}?").format(
                teacher=line.assignment.teacher_name, subject=line.subject.name, cls=school_class.name)):
            return
        ok, _result = self.call(school.unassign, self.db, self.actor, line.assignment.id)
        if ok:
            self._reload(line.subject.id)
