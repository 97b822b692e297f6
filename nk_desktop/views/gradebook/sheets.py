"""The two kinds of grid the tab edits, as plain data: columns, rows and the service calls (no Qt here).

A ``Sheet`` is built from one service read (a subject's part of ``class_grid``, which the tab
reads once for every subject of the class, or ``trait_grid``) and saves a block of cells with
one call (``save_class_cells`` / ``save_trait_cells``).
It also knows what the service stores for a typed value (the same parsing rules), so
the grid shows the saved value without reading the class again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, Callable, Sequence

from nk_desktop.actor import Actor
from nk_desktop.clock import format_date
from nk_desktop.db import Database
from nk_desktop.i18n import _
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit, EntryWindow, SaveResult, SubjectGrid
from nk_desktop.text import nfc

LEVEL, SCORE, COMMENT = "level", "score", "comment"

# Short headers of the 15 traits (full names in the header tooltips), two lines where long.
TRAIT_HEADERS = {
    "YEU_NUOC": _("Yêu\nnước"), "NHAN_AI": _("Nhân\nái"), "CHAM_CHI": _("Chăm\nchỉ"),
    "TRUNG_THUC": _("Trung\nthực"), "TRACH_NHIEM": _("Trách\nnhiệm"), "TU_CHU": _("Tự\nchủ"),
    "GIAO_TIEP": _("Giao\ntiếp"), "GQVD": _("GQVĐ"), "NGON_NGU": _("Ngôn\nngữ"),
    "TINH_TOAN": _("Tính\ntoán"), "KHOA_HOC": _("Khoa\nhọc"), "CONG_NGHE": _("Công\nnghệ"),
    "TIN_HOC": _("Tin\nhọc"), "THAM_MI": _("Thẩm\nmĩ"), "THE_CHAT": _("Thể\nchất"),
}
TRAIT_GROUPS = ((_("Phẩm chất"), rules.QUALITIES), (_("Năng lực chung"), rules.GENERAL_COMPETENCIES),
                (_("Năng lực đặc thù"), rules.SPECIFIC_COMPETENCIES))
_GROUP_OF = {code: group for group, traits in TRAIT_GROUPS for code, _name in traits}


@dataclasses.dataclass(frozen=True)
class GridColumn:
    title: str
    sample: str  # the widest text the column should show without clipping (its width is fixed)
    field: str = ""  # "" = not a mark (STT, name); level | score | comment
    trait: str = ""
    tooltip: str = ""
    center: bool = False
    stretch: bool = False

    @property
    def is_mark(self) -> bool:
        return bool(self.field)


@dataclasses.dataclass(frozen=True)
class SheetRow:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    values: tuple[Any, ...]  # stored value per column (None for STT and name)
    notes: tuple[str, ...] = ()  # per column: extra tooltip text (a trait's comment)


def _number_columns() -> tuple[GridColumn, GridColumn]:
    return (GridColumn(_("STT"), "000", center=True),
            GridColumn(_("Họ và tên"), "Nguyễn Thị Phương Thảo"))


class Sheet:
    """Base of the two sheets: what is shown, what may be changed, how a typed value is stored."""

    columns: tuple[GridColumn, ...] = ()
    rows: list[SheetRow]
    window: EntryWindow
    may_edit: bool
    level_names: dict[str, str] = rules.SUBJECT_LEVELS
    level_letters: dict[str, str] = rules.SUBJECT_LETTERS

    def __init__(self, db: Database, actor: Actor, class_id: uuid.UUID, class_name: str, milestone: str,
                 on: dt.date):
        self.db, self.actor, self.class_id, self.class_name = db, actor, class_id, class_name
        self.milestone, self.on = milestone, on

    # --- what the view asks ---------------------------------------------------------

    def column_open(self, column: int) -> bool:
        """Whether the window lets this column be changed now (the actor's right aside)."""
        spec = self.columns[column]
        if not spec.is_mark:
            return False
        return self.window.score_open if spec.field == SCORE else self.window.level_open

    def editable(self, column: int) -> bool:
        return self.may_edit and self.column_open(column)

    @property
    def read_only(self) -> bool:
        return not any(self.editable(c) for c in range(len(self.columns)))

    @property
    def some_closed(self) -> bool:
        """A mark column the actor would edit is past its deadline or locked: corrections go by request."""
        return self.may_edit and any(not self.column_open(c) for c, spec in enumerate(self.columns) if spec.is_mark)

    def shown(self, column: int, value: Any) -> str:
        if value is None:
            return ""
        field = self.columns[column].field
        if field == LEVEL:
            return self.level_letters.get(value, str(value))
        return str(value)

    def stored(self, column: int, raw: Any) -> Any:
        """The value the service keeps for *raw* typed in *column* (raises ValidationError like it)."""
        field = self.columns[column].field
        if field == LEVEL:
            return self.parse_level(raw)
        if field == SCORE:
            return rules.parse_score(raw)
        return nfc(str(raw or "")) or ""

    def parse_level(self, raw: Any) -> str | None:
        return rules.parse_subject_level(raw)

    def edit(self, row: int, column: int, raw: Any) -> CellEdit:
        spec = self.columns[column]
        return CellEdit(self.rows[row].pupil_id, spec.field, raw, spec.trait)

    def save(self, edits: Sequence[CellEdit]) -> SaveResult:
        raise NotImplementedError

    def key_of(self, edit: CellEdit) -> tuple:
        """The stored row an edit changes, as the services name it in versions and conflicts."""
        return (edit.pupil_id, edit.trait or self.subject_id)

    # --- the status line -------------------------------------------------------------

    def deadlines_text(self) -> str:
        window = self.window
        parts = [_("Hạn nhập mức đánh giá: {d}").format(d=format_date(window.level_deadline))
                 + ("" if window.level_open else _(" (đã qua)"))]
        if self.has_scores:
            if window.score_deadline is None:
                parts.append(_("Hạn nhập điểm: {d} (chưa có lịch kiểm tra)").format(
                    d=format_date(window.level_deadline)))
            else:
                parts.append(_("Hạn nhập điểm: {d}").format(d=format_date(window.score_deadline))
                             + ("" if window.score_open else _(" (đã qua)")))
        return " · ".join(parts)

    @property
    def has_scores(self) -> bool:
        return any(spec.field == SCORE for spec in self.columns)

    def what(self, column: int) -> str:
        """"Toán — Điểm KTĐK" for the correction request."""
        raise NotImplementedError


class SubjectSheet(Sheet):
    """A class × subject × milestone: level (T/H/C), the test score where tested, the comment."""

    def __init__(self, db: Database, actor: Actor, class_id: uuid.UUID, subject_id: uuid.UUID, subject_code: str,
                 milestone: str, on: dt.date, *, grid: SubjectGrid | None = None,
                 on_saved: Callable[[uuid.UUID], None] | None = None):
        """*grid*: this subject's part of a ``class_grid`` already read; *on_saved* is told after a save."""
        if grid is None:
            grid = gradebook.class_grid(db, actor, class_id, milestone, [subject_id], on=on).subjects[0]
        self.on_saved = on_saved
        super().__init__(db, actor, class_id, grid.class_name, grid.milestone, on)
        self.subject_id, self.subject_code, self.subject_name = subject_id, subject_code, grid.subject_name
        self.tested, self.window, self.may_edit = grid.tested, grid.window, grid.may_edit
        marks = [GridColumn(_("Mức đạt được"), "Mức đạt được", LEVEL, center=True,
                            tooltip=_("T: Hoàn thành tốt · H: Hoàn thành · C: Chưa hoàn thành"))]
        if grid.tested:
            marks.append(GridColumn(_("Điểm KTĐK"), "Điểm KTĐK", SCORE, center=True,
                                    tooltip=_("Điểm kiểm tra định kì: số nguyên từ 0 đến 10")))
        marks.append(GridColumn(_("Nhận xét"), "", COMMENT, stretch=True))
        self.columns = (*_number_columns(), *marks)
        self.rows = [SheetRow(r.pupil_id, r.number, r.full_name,
                              (None, None, r.level, *((r.score,) if grid.tested else ()), r.comment))
                     for r in grid.rows]
        self.versions = {(r.pupil_id, subject_id): r.version for r in grid.rows}

    def save(self, edits: Sequence[CellEdit]) -> SaveResult:
        """One save with the versions this sheet showed (refused with ``StaleCells`` if a row moved on)."""
        try:
            result = gradebook.save_class_cells(
                self.db, self.actor, self.class_id, self.milestone, [(self.subject_id, edit) for edit in edits],
                on=self.on, seen={key: self.versions.get(key, 0)
                                  for key in {(e.pupil_id, self.subject_id) for e in edits}})
            self.versions.update(result.versions)
            return result
        finally:
            if self.on_saved is not None:
                self.on_saved(self.subject_id)

    def level_of(self, row: int) -> str | None:
        return self.rows[row].values[2]

    def what(self, column: int) -> str:
        return f"{self.subject_name} — {self.columns[column].title}"


class TraitSheet(Sheet):
    """The homeroom teacher's 15 qualities and competencies of a class at a milestone (T/Đ/C)."""

    level_names = rules.TRAIT_LEVELS
    level_letters = rules.TRAIT_LETTERS

    def __init__(self, db: Database, actor: Actor, class_id: uuid.UUID, milestone: str, on: dt.date):
        grid = gradebook.trait_grid(db, actor, class_id, milestone, on=on)
        super().__init__(db, actor, class_id, grid.class_name, grid.milestone, on)
        self.window, self.may_edit = grid.window, grid.may_edit
        self.subject_id, self.subject_code = None, ""
        self.columns = (*_number_columns(), *(
            GridColumn(TRAIT_HEADERS[code], "nhiệm", LEVEL, trait=code, center=True,
                       tooltip=f"{_GROUP_OF[code]}: {name}")
            for code, name in rules.TRAITS))
        self.rows = [SheetRow(r.pupil_id, r.number, r.full_name,
                              (None, None, *(r.levels.get(code) for code, _name in rules.TRAITS)),
                              ("", "", *(r.comments.get(code, "") for code, _name in rules.TRAITS)))
                     for r in grid.rows]
        self.versions = {(r.pupil_id, code): r.versions.get(code, 0) for r in grid.rows for code, _n in rules.TRAITS}

    def parse_level(self, raw: Any) -> str | None:
        return rules.parse_trait_level(raw)

    def save(self, edits: Sequence[CellEdit]) -> SaveResult:
        result = gradebook.save_trait_cells(self.db, self.actor, self.class_id, self.milestone, list(edits),
                                            on=self.on, seen={key: self.versions.get(key, 0)
                                                              for key in {(e.pupil_id, e.trait) for e in edits}})
        self.versions.update(result.versions)
        return result

    def level_of(self, row: int) -> str | None:
        return None

    def what(self, column: int) -> str:
        return rules.TRAIT_NAMES[self.columns[column].trait]


def groups_text() -> str:
    """"Phẩm chất: Yêu nước → Trách nhiệm · …": the groups of the traits grid's columns, left to right."""
    parts = [f"{group}: {traits[0][1]} → {traits[-1][1]}" for group, traits in TRAIT_GROUPS]
    return " · ".join(parts) + " · " + _("T: Tốt, Đ: Đạt, C: Cần cố gắng")
