"""Score sheets in Excel: a class × subject × milestone for the teacher to fill at home, and back.

``export_score_sheet`` writes the class's sheet (filled with the current values, or blank):
a title row, labelled cells naming the class, subject, milestone and year, the columns STT,
Họ và tên, Ngày sinh, Mức đạt được (T/H/C), Điểm KTĐK (only where the circular sets a test)
and Nhận xét, with Excel data validation, plus a hidden pupil-id column and a hidden sheet
(``_nk``) holding where the sheet belongs and the values as exported.

``import_score_sheet`` reads it back.  Every change goes through
``gradebook.save_subject_cells`` — the one entry path — so permission, lock, deadline and
validation rules are exactly those of the grid.  The import is all-or-nothing: a dry run
first; the real run happens only when no cell is refused.

Which cells count as changed: a cell the teacher changed in the file (it differs from the
value exported) whose new value differs from the stored one.  A cell left as exported is
not touched, even when the stored value changed in the meantime; a cell changed both in
the file and in the app since the export is refused (nothing changes silently).  On a blank
sheet, and on sheets without the hidden values, an empty cell means "not filled": only
filled cells are applied, nothing is ever cleared.

``import_grade_scores`` is the secretary's path (Điều 8.1): the periodic test scores of a
whole grade on one sheet with a Lớp column; same rules (``Action.MARKS_IMPORT_GRADE`` lets
the secretary save scores only).  ``export_grade_score_sheet`` writes its template.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.exchange import workbook as xl
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.school import SchoolClass, SchoolYear, Subject
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import gradebook
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Action, allows, require
from nk_desktop.services.school import (
    class_by_name, grade_subjects, normal_class_name, subject_by_name, year_by_name,
)
from nk_desktop.text import fold, nfc

FORMAT = "nk-desktop/score-sheet"
FORMAT_VERSION = 1
DATA_SHEET = "Bảng điểm"
META_SHEET = "_nk"
FIELDS = ("level", "score", "comment")
FIELD_NAMES = {"level": _("Mức đạt được"), "score": _("Điểm KTĐK"), "comment": _("Nhận xét")}
HEADERS = {
    "stt": "STT", "class": "Lớp", "full_name": "Họ và tên", "date_of_birth": "Ngày sinh",
    "level": "Mức đạt được (T/H/C)", "score": "Điểm KTĐK", "comment": "Nhận xét", "pupil_id": "ID (không sửa)",
}
_HEADER_FIELDS = {
    "stt": "stt", "tt": "stt", "sott": "stt", "lop": "class", "hovaten": "full_name", "hoten": "full_name",
    "hotenhocsinh": "full_name", "hovatenhocsinh": "full_name", "ngaysinh": "date_of_birth",
    "mucdatduoc": "level", "mucdat": "level", "muc": "level", "mucdanhgia": "level", "diemktdk": "score", "diem": "score", "diemkiemtra": "score",
    "diemkiemtradinhki": "score", "diemkiemtradinhky": "score", "ktdk": "score", "nhanxet": "comment",
    "id": "pupil_id",
}
_LABELS = {"lop": "class", "mon": "subject", "mamon": "subject", "thoidiem": "milestone", "namhoc": "year",
           "khoi": "grade"}
TITLE_ROW, INFO_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 5


def _header_field(text: str) -> str | None:
    return _HEADER_FIELDS.get(xl.header_key(text))


# --- reading the stored values ----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Entry:
    """A pupil of the sheet with the stored values."""

    pupil_id: uuid.UUID
    number: int
    full_name: str
    date_of_birth: dt.date | None
    class_id: uuid.UUID
    class_name: str
    level: str | None
    score: int | None
    comment: str

    def value(self, field: str):
        return getattr(self, field)


def _roster(session: Session, school_class: SchoolClass, subject_id: uuid.UUID, milestone: str,
            on: dt.date | None) -> list[_Entry]:
    """The class on the milestone's day (as the grid shows it) with the stored level, score and comment."""
    pupils = gradebook.enrolled_pupils(session, school_class,
                                       gradebook.milestone_day(session, school_class, milestone, on))
    results = {r.pupil_id: r for r in session.scalars(select(SubjectResult).where(
        SubjectResult.class_id == school_class.id, SubjectResult.subject_id == subject_id,
        SubjectResult.milestone == milestone, SubjectResult.deleted.is_(False)))}
    out = []
    for number, pupil in enumerate(pupils, start=1):
        result = results.get(pupil.id)
        out.append(_Entry(pupil.id, number, pupil.full_name, pupil.date_of_birth, school_class.id,
                          school_class.name, result.level if result else None, result.score if result else None,
                          (result.comment or "") if result else ""))
    return out


def _check_taught(session: Session, year_id: uuid.UUID, grade: int, subject: Subject) -> None:
    taught = [s for s, _e in grade_subjects(session, year_id, grade)]
    if subject.id in {s.id for s in taught}:
        return
    parts = [s.name for s in taught if s.parent_id == subject.id]
    if parts:
        raise ValidationError(_("Môn {s} được đánh giá theo từng phân môn: {parts}; hãy chọn một phân môn.").format(
            s=subject.name, parts=", ".join(parts)), field="subject")
    raise ValidationError(_("Khối {g} không học môn {s} trong năm học này.").format(g=grade, s=subject.name),
                          field="subject")


def _grade_classes(session: Session, year_id: uuid.UUID, grade: int) -> list[SchoolClass]:
    classes = session.scalars(select(SchoolClass).where(
        SchoolClass.year_id == year_id, SchoolClass.grade == grade, SchoolClass.deleted.is_(False))).all()
    return sorted(classes, key=lambda c: (len(c.name), c.name))


def _title(subject: Subject, where: str, milestone: str, year: SchoolYear, *, grade_sheet: bool = False) -> str:
    what = _("BẢNG ĐIỂM KIỂM TRA ĐỊNH KÌ MÔN") if grade_sheet else _("BẢNG ĐIỂM MÔN")
    return f"{what} {subject.name.upper()} — {where.upper()} — {rules.MILESTONE_NAMES[milestone].upper()} — " \
           f"{_('NĂM HỌC')} {year.name}"


# --- writing ------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")
_WIDTHS = {"stt": 6, "class": 7, "full_name": 28, "date_of_birth": 12, "level": 12, "score": 10, "comment": 60,
           "pupil_id": 36}


def _write_sheet(out: str | Path, *, title: str, info: list[tuple[str, Any]], note: str, columns: list[str],
                 entries: list[_Entry], blank: bool, meta: dict[str, Any]) -> Path:
    out = Path(out)
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    last_column = len(columns)
    sheet.cell(TITLE_ROW, 1, title).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW,
                      end_column=max(last_column - 1, 1))
    # One cell, "Lớp: 4A — Môn: Toán — …": read back by the import when the hidden sheet is gone, and
    # untouched by hidden or deleted columns.
    sheet.cell(INFO_ROW, 1, " — ".join(f"{label} {value}" for label, value in info)).font = Font(bold=True)
    sheet.cell(NOTE_ROW, 1, note).font = Font(italic=True, size=9)
    sheet.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=max(last_column - 1, 1))
    sheet.cell(NOTE_ROW, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[NOTE_ROW].height = 30
    for index, field in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, HEADERS[field])
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[field]
    first = HEADER_ROW + 1
    for offset, entry in enumerate(entries):
        row = first + offset
        for index, field in enumerate(columns, start=1):
            cell = sheet.cell(row, index)
            cell.border = _BORDER
            if field == "stt":
                cell.value = entry.number
                cell.alignment = Alignment(horizontal="center")
            elif field == "class":
                cell.value = entry.class_name
                cell.alignment = Alignment(horizontal="center")
            elif field == "full_name":
                cell.value = entry.full_name
            elif field == "date_of_birth":
                cell.value = entry.date_of_birth
                cell.number_format = "DD/MM/YYYY"
                cell.alignment = Alignment(horizontal="center")
            elif field == "pupil_id":
                cell.value = str(entry.pupil_id)
                cell.font = Font(color="808080", size=8)
            else:
                cell.fill = _INPUT_FILL
                if field == "level":
                    cell.value = None if blank or not entry.level else rules.SUBJECT_LETTERS[entry.level]
                    cell.alignment = Alignment(horizontal="center")
                elif field == "score":
                    # General format: a pasted 7.5 must show as 7,5 (and be refused), not as a rounded 8.
                    cell.value = None if blank else entry.score
                    cell.alignment = Alignment(horizontal="center")
                else:
                    if entry.comment and not blank:
                        _text(cell, entry.comment)
                    cell.number_format = "@"
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    last_row = max(first + len(entries) - 1, first)
    for index, field in enumerate(columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}{first}:{letter}{last_row}"
        if field == "level":
            check = DataValidation(
                type="list", formula1='"T,H,C"', allow_blank=True, showErrorMessage=True, showInputMessage=True,
                errorTitle=_("Mức không hợp lệ"),
                error=_("Chọn T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành)."),
                promptTitle=_("Mức đạt được"), prompt=_("T = Hoàn thành tốt, H = Hoàn thành, C = Chưa hoàn thành"))
        elif field == "score":
            check = DataValidation(
                type="whole", operator="between", formula1="0", formula2="10", allow_blank=True,
                showErrorMessage=True, showInputMessage=True, errorTitle=_("Điểm không hợp lệ"),
                error=_("Điểm kiểm tra định kì là số nguyên từ 0 đến 10 (Thông tư 27), không có phần thập phân."),
                promptTitle=_("Điểm KTĐK"), prompt=_("Số nguyên từ 0 đến 10"))
        else:
            continue
        check.add(area)
        sheet.add_data_validation(check)
    for index, field in enumerate(columns, start=1):
        if field == "pupil_id":
            sheet.column_dimensions[get_column_letter(index)].hidden = True
    sheet.freeze_panes = sheet.cell(first, 1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    hidden = book.create_sheet(META_SHEET)
    hidden.sheet_state = "hidden"
    hidden.append(["format", FORMAT])
    hidden.append(["version", FORMAT_VERSION])
    for key, value in meta.items():
        hidden.append([key, value])
    hidden.append([])
    hidden.append(["pupil_id", "class_id", "level", "score", "comment"])
    if not blank:
        for entry in entries:
            hidden.append([str(entry.pupil_id), str(entry.class_id), entry.level or "",
                           entry.score if entry.score is not None else ""])
            if entry.comment:
                _text(hidden.cell(hidden.max_row, 5), entry.comment)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def _text(cell, text: str) -> None:
    """Write *text* as text: never read as a formula ("= tốt"), without characters Excel refuses."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"


def _note(tested: bool) -> str:
    parts = [_("Mức đạt được: T = Hoàn thành tốt, H = Hoàn thành, C = Chưa hoàn thành.")]
    if tested:
        parts.append(_("Điểm KTĐK: số nguyên từ 0 đến 10."))
    parts.append(_("Chỉ điền các ô màu vàng; không xóa dòng, không sửa cột ID và trang ẩn — phần mềm dùng chúng "
                   "để nhận ra học sinh và lớp khi nhập lại."))
    return " ".join(parts)


def export_score_sheet(db: Database, actor: Actor, class_id: uuid.UUID, subject_id: uuid.UUID, milestone: str,
                       out: str | Path, *, blank: bool = False, on: dt.date | None = None) -> Path:
    """Write the class × subject × milestone sheet to *out* (.xlsx), filled with the stored values or blank."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        subject = get_live(session, Subject, subject_id, _("môn học"))
        year = session.get(SchoolYear, school_class.year_id)
        _check_taught(session, year.id, school_class.grade, subject)
        tested = milestone in gradebook.tested_milestones(session, year.id, school_class.grade, subject.id)
        entries = _roster(session, school_class, subject.id, milestone, on)
    columns = ["stt", "full_name", "date_of_birth", "level"] + (["score"] if tested else []) + ["comment",
                                                                                                 "pupil_id"]
    meta = {"kind": "class", "year": year.name, "year_id": str(year.id), "class": school_class.name,
            "class_id": str(school_class.id), "grade": school_class.grade, "subject_code": subject.code,
            "subject": subject.name, "subject_id": str(subject.id), "milestone": milestone,
            "tested": 1 if tested else 0, "blank": 1 if blank else 0,
            "exported_on": (on or today()).isoformat(), "exported_by": actor.username}
    info = [(_("Lớp:"), school_class.name), (_("Môn:"), subject.name), (_("Thời điểm:"), milestone),
            (_("Năm học:"), year.name)]
    return _write_sheet(out, title=_title(subject, _("Lớp {c}").format(c=school_class.name), milestone, year),
                        info=info, note=_note(tested), columns=columns, entries=entries, blank=blank, meta=meta)


def export_grade_score_sheet(db: Database, actor: Actor, year_id: uuid.UUID, grade: int, subject_id: uuid.UUID,
                             milestone: str, out: str | Path, *, blank: bool = False,
                             on: dt.date | None = None) -> Path:
    """The secretary's sheet: the periodic test scores of every class of *grade* (one Lớp column)."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        subject = get_live(session, Subject, subject_id, _("môn học"))
        _check_taught(session, year.id, grade, subject)
        _check_tested(session, year, grade, subject, milestone)
        classes = _grade_classes(session, year.id, grade)
        if not allows(session, actor, Action.MARKS_IMPORT_GRADE):
            for school_class in classes:
                require(session, actor, Action.MARKS_VIEW, class_id=school_class.id)
        entries = [e for c in classes for e in _roster(session, c, subject.id, milestone, on)]
    meta = {"kind": "grade", "year": year.name, "year_id": str(year.id), "grade": grade,
            "subject_code": subject.code, "subject": subject.name, "subject_id": str(subject.id),
            "milestone": milestone, "tested": 1, "blank": 1 if blank else 0,
            "exported_on": (on or today()).isoformat()}
    info = [(_("Khối:"), grade), (_("Môn:"), subject.name), (_("Thời điểm:"), milestone), (_("Năm học:"), year.name)]
    note = _("Điểm KTĐK: số nguyên từ 0 đến 10. Ô để trống là chưa nhập (không xóa điểm đã có). "
             "Không sửa cột Lớp, cột ID và trang ẩn.")
    return _write_sheet(out, title=_title(subject, _("Khối {g}").format(g=grade), milestone, year, grade_sheet=True),
                        info=info, note=note, columns=["stt", "class", "full_name", "date_of_birth", "score",
                                                       "pupil_id"],
                        entries=entries, blank=blank, meta=meta)


def _check_tested(session: Session, year: SchoolYear, grade: int, subject: Subject, milestone: str) -> None:
    if milestone not in gradebook.tested_milestones(session, year.id, grade, subject.id):
        raise ValidationError(_("Khối {g} không có bài kiểm tra định kì môn {s} ở thời điểm {m}.").format(
            g=grade, s=subject.name, m=rules.MILESTONE_NAMES[milestone]), field="milestone")


# --- the import report ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CellChange:
    field: str  # level | score | comment
    old: Any  # stored value: HTT/HT/CHT, 0–10, text, or None
    new: Any  # the value the sheet asks for (as stored), or the raw cell when it is invalid


@dataclasses.dataclass(frozen=True)
class CellError:
    field: str  # level | score | comment, or "" for the whole row
    reason: str  # in Vietnamese: the service's reason where the service refused


@dataclasses.dataclass
class RowReport:
    row: int  # the Excel row number
    number: str  # STT as written
    full_name: str  # as written
    class_name: str
    pupil_id: uuid.UUID | None
    changes: list[CellChange] = dataclasses.field(default_factory=list)
    errors: list[CellError] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        """unchanged | changed | error."""
        if self.errors:
            return "error"
        return "changed" if self.changes else "unchanged"

    def detail(self) -> str:
        """"Mức đạt được: H → T; Điểm KTĐK: (trống) → 9", or the reasons the row is refused, then the notes."""
        if self.errors:
            parts = [f"{FIELD_NAMES[e.field]}: {e.reason}" if e.field else e.reason for e in self.errors]
        else:
            parts = [f"{FIELD_NAMES[c.field]}: {_show(c.field, c.old)} → {_show(c.field, c.new)}" for c in self.changes]
        return "; ".join(parts + self.notes)


@dataclasses.dataclass
class ImportReport:
    path: str
    kind: str  # class | grade
    heading: str  # "Toán — lớp 4A — Cuối học kì I — 2026-2027"
    milestone: str
    dry_run: bool
    rows: list[RowReport] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)  # pupils of the class not in the file
    applied: bool = False  # True when the changes were written
    saved: int = 0  # cells written

    @property
    def changed_cells(self) -> int:
        return sum(len(r.changes) for r in self.rows)

    @property
    def refused(self) -> int:
        """Cells (or rows) refused; any refusal means nothing is written."""
        return sum(len(r.errors) for r in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def lines(self) -> list[str]:
        """The report as a person reads it: one line per changed or refused row, then the totals."""
        out = [self.heading]
        for row in self.rows:
            where = _("Dòng {r}").format(r=row.row)
            who = " ".join(p for p in (row.class_name if self.kind == "grade" else "", row.number, row.full_name)
                           if p)
            if row.status == "changed":
                what = "; ".join(f"{FIELD_NAMES[c.field]}: {_show(c.field, c.old)} → {_show(c.field, c.new)}"
                                 for c in row.changes)
                out.append(f"  {where} ({who}): {_('đã sửa') if self.applied else _('sẽ sửa')} {what}")
            elif row.status == "error":
                for error in row.errors:
                    field = f"{FIELD_NAMES[error.field]}: " if error.field else ""
                    out.append(f"  {where} ({who}): {_('LỖI')} {field}{error.reason}")
            for note in row.notes:
                out.append(f"  {where} ({who}): {note}")
        if self.missing:
            out.append("  " + _("Không có trong tệp (giữ nguyên): {names}.").format(names=", ".join(self.missing)))
        totals = _("{changed} dòng thay đổi ({cells} ô), {same} dòng không đổi, {bad} ô bị từ chối.").format(
            changed=self.count("changed"), cells=self.changed_cells, same=self.count("unchanged"), bad=self.refused)
        out.append(totals)
        if self.refused:
            out.append(_("Không ghi gì: có {n} ô bị từ chối; sửa tệp rồi nhập lại.").format(n=self.refused))
        elif self.dry_run:
            out.append(_("Chạy thử: chưa ghi gì; {n} ô sẽ được ghi.").format(n=self.changed_cells))
        elif self.applied:
            out.append(_("Đã ghi {n} ô.").format(n=self.saved))
        else:
            out.append(_("Không có gì để ghi."))
        return out


def _show(field: str, value: Any) -> str:
    if value is None or value == "":
        return _("(trống)")
    if field == "level" and value in rules.SUBJECT_LETTERS:
        return rules.SUBJECT_LETTERS[value]
    if field == "comment":
        return f"“{value}”"
    return str(value)


# --- reading the file -------------------------------------------------------------------------

@dataclasses.dataclass
class _Meta:
    values: dict[str, str]
    base: dict[uuid.UUID, dict[str, Any]]  # pupil → field → value as exported (only for filled sheets)

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def blank(self) -> bool:
        return self.get("blank") in ("1", "True", "true")


def _read_meta(sheet: xl.Sheet) -> _Meta:
    values: dict[str, str] = {}
    base: dict[uuid.UUID, dict[str, Any]] = {}
    in_table = False
    for row in sorted(sheet.rows):
        cells = list(sheet.rows[row]) + [None] * 5
        if cells[0] == "pupil_id":
            in_table = True
            continue
        if in_table:
            try:
                pupil_id = uuid.UUID(str(cells[0]))
            except ValueError:
                continue
            score = cells[3]
            base[pupil_id] = {"level": cells[2] or None,
                              "score": int(score) if isinstance(score, (int, float)) and not isinstance(score, bool)
                              else None,
                              "comment": nfc(str(cells[4])) if cells[4] is not None else ""}
        elif isinstance(cells[0], str):
            values[cells[0]] = xl.cell_text(cells[1])
    return _Meta(values, base)


@dataclasses.dataclass
class _File:
    data: xl.Sheet
    header: xl.Header
    meta: _Meta | None
    labels: dict[str, str]  # labelled cells above the header (Lớp:, Môn:, Thời điểm:, Năm học:, Khối:)


def _all_sheets(path: str | Path) -> list[xl.Sheet]:
    """Every worksheet, the hidden ``_nk`` one included."""
    book = xl.open_workbook(path)
    try:
        return [xl.read_sheet(book, worksheet) for worksheet in book.worksheets]
    finally:
        book.close()


def _read_file(path: str | Path, *, needs: set[str]) -> _File:
    sheets = _all_sheets(path)
    meta_sheet = next((s for s in sheets if s.title == META_SHEET), None)
    meta = _read_meta(meta_sheet) if meta_sheet is not None else None
    if meta is not None and meta.get("format") != FORMAT:
        meta = None
    for sheet in sheets:
        if sheet.title == META_SHEET:
            continue
        header = xl.find_header(sheet, _header_field, min_fields=2)
        if header is None or not needs <= set(header.columns.values()):
            continue
        labels: dict[str, str] = {}
        for row in sorted(r for r in sheet.rows if r < header.row):
            _read_labels(sheet.rows[row], labels)
        sheet.fill_merged_down(header.data_start)
        return _File(sheet, header, meta, labels)
    wanted = ", ".join(f"“{HEADERS[f]}”" for f in sorted(needs))
    raise ValidationError(_("Không tìm thấy bảng điểm trong tệp {name}: cần dòng tiêu đề có các cột {cols}.").format(
        name=Path(path).name, cols=wanted), field="file")


_LABEL_RE = re.compile(r"([^\W\d_][^:—;|]*?)\s*:\s*([^—;|]*)")


def _read_labels(cells: tuple[Any, ...], labels: dict[str, str]) -> None:
    """Labelled cells above the header: "Lớp: 4A — Môn: Toán" in one cell, or "Lớp:" | "4A" in two."""
    for index, value in enumerate(cells):
        if not isinstance(value, str):
            continue
        text = " ".join(value.split())
        if text.endswith(":") and text.count(":") == 1:
            key = _LABELS.get(xl.header_key(text))
            following = next((v for v in cells[index + 1:] if v is not None), None)
            if key and following is not None:
                labels.setdefault(key, xl.cell_text(following))
            continue
        for label, found in _LABEL_RE.findall(text):
            key = _LABELS.get(xl.header_key(label))
            if key and found.strip():
                labels.setdefault(key, found.strip())


@dataclasses.dataclass
class _Line:
    """One data row of the sheet, by field."""

    row: int
    cells: dict[str, Any]
    columns: dict[str, int]  # field → column number

    def text(self, field: str) -> str:
        return xl.cell_text(self.cells.get(field))

    def coordinate(self, field: str) -> str:
        return xl.coordinate(self.row, self.columns.get(field, 1))


def _lines(file: _File) -> list[_Line]:
    columns = {field: column for column, field in file.header.columns.items()}
    out = []
    for row in sorted(r for r in file.data.rows if r >= file.header.data_start):
        cells = {field: file.data.value(row, column) for column, field in file.header.columns.items()}
        if all(v is None for v in cells.values()):
            continue
        out.append(_Line(row, cells, columns))
    return out


def _normalise(field: str, raw: Any) -> tuple[bool, Any]:
    """(valid, value as stored) of a cell; invalid cells are sent as written so the service says why."""
    if field == "comment":
        return True, nfc(xl.cell_text(raw)) or ""
    try:
        if field == "level":
            return True, rules.parse_subject_level(xl.cell_text(raw))
        return True, rules.parse_score(raw if isinstance(raw, (int, float, str)) or raw is None else xl.cell_text(raw))
    except ValidationError:
        return False, raw


def _raw_for_service(field: str, raw: Any) -> Any:
    if field == "score":
        return raw if isinstance(raw, (int, float, str)) or raw is None else xl.cell_text(raw)
    if field == "level":
        return xl.cell_text(raw) or None
    return nfc(xl.cell_text(raw)) or ""


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _match(line: _Line, roster: list[_Entry], by_id: dict[uuid.UUID, _Entry]) -> tuple[_Entry | None, str]:
    """The pupil of a row: by the hidden id, else by name (NFC/NFD, accents and case aside) and STT."""
    raw_id = line.text("pupil_id")
    if raw_id:
        try:
            entry = by_id.get(uuid.UUID(raw_id))
        except ValueError:
            entry = None
        if entry is not None:
            return entry, ""
    name = fold(line.text("full_name"))
    number = line.text("stt")
    if not name:
        return None, _("dòng không có họ tên học sinh")
    same = [e for e in roster if fold(e.full_name) == name]
    if len(same) > 1:
        dob = line.cells.get("date_of_birth")
        if isinstance(dob, dt.datetime):
            dob = dob.date()
        if isinstance(dob, dt.date):
            same = [e for e in same if e.date_of_birth == dob] or same
    if len(same) > 1 and number:
        same = [e for e in same if str(e.number) == number] or same
    if len(same) == 1:
        return same[0], ""
    if not same:
        return None, _("không có học sinh “{name}” trong lớp ở thời điểm này").format(name=line.text("full_name"))
    return None, _("có {n} học sinh tên “{name}” trong lớp; không biết là em nào").format(
        n=len(same), name=line.text("full_name"))


def _diff_row(report_row: RowReport, line: _Line, entry: _Entry, fields: Iterable[str], base: dict[str, Any] | None,
              edits: list[CellEdit]) -> None:
    """Add the row's edits (cells the teacher changed that differ from the stored value)."""
    for field in fields:
        if field not in line.cells:
            continue
        raw = line.cells.get(field)
        if xl.is_excel_error(raw) or isinstance(raw, xl.FormulaWithoutValue):
            shown = raw if isinstance(raw, str) else _("công thức chưa được tính")
            report_row.errors.append(CellError(field, _("ô {c} có lỗi công thức ({v}); hãy nhập giá trị.").format(
                c=line.coordinate(field), v=shown)))
            continue
        valid, value = _normalise(field, raw)
        stored = entry.value(field)
        if base is not None:
            exported = base.get(field)
            if valid and _same(field, value, exported):
                if not _same(field, stored, exported):
                    report_row.notes.append(_("{f} đã được sửa trong phần mềm sau khi xuất tệp ({old} → {new}); "
                                              "giữ giá trị hiện tại.").format(
                        f=FIELD_NAMES[field], old=_show(field, exported), new=_show(field, stored)))
                continue
            if not _same(field, stored, exported) and not (valid and _same(field, value, stored)):
                report_row.errors.append(CellError(field, _(
                    "ô này đã được sửa trong phần mềm sau khi xuất tệp ({old} → {now}) nên không ghi đè bằng {new}; "
                    "hãy xuất lại bảng điểm.").format(old=_show(field, exported), now=_show(field, stored),
                                                      new=_show(field, value))))
                continue
        elif valid and _empty(value):
            continue  # blank sheet or no exported values: an empty cell is "not filled", never a deletion
        if valid and _same(field, value, stored):
            continue
        report_row.changes.append(CellChange(field, stored, value))
        edits.append(CellEdit(entry.pupil_id, field, _raw_for_service(field, raw)))


def _same(field: str, a: Any, b: Any) -> bool:
    if field == "comment":
        return (a or "") == (b or "")
    return (None if _empty(a) else a) == (None if _empty(b) else b)


def _apply_refusals(rows_by_pupil: dict[uuid.UUID, RowReport], refused: list[gradebook.RefusedCell]) -> None:
    for cell in refused:
        row = rows_by_pupil.get(cell.pupil_id)
        if row is None:
            continue
        row.changes = [c for c in row.changes if c.field != cell.field]
        row.errors.append(CellError(cell.field, cell.reason))


# --- importing a class sheet -------------------------------------------------------------------

def _resolve_class_target(session: Session, file: _File, path: Path) -> tuple[SchoolClass, Subject, str]:
    meta = file.meta.values if file.meta else {}
    labels = file.labels
    milestone_text = meta.get("milestone") or labels.get("milestone", "")
    if not milestone_text:
        raise ValidationError(_("Tệp {name} không ghi thời điểm (GK1, CK1, GK2, CN) của bảng điểm.").format(
            name=path.name), field="file")
    milestone = rules.parse_milestone(milestone_text)
    subject = None
    if meta.get("subject_id"):
        try:
            subject = session.get(Subject, uuid.UUID(meta["subject_id"]))
        except ValueError:
            subject = None
        if subject is not None and subject.deleted:
            subject = None
    if subject is None:
        text = meta.get("subject_code") or labels.get("subject", "")
        if not text:
            raise ValidationError(_("Tệp {name} không ghi môn học của bảng điểm.").format(name=path.name),
                                  field="file")
        subject = subject_by_name(session, text)
    school_class = None
    if meta.get("class_id"):
        try:
            school_class = session.get(SchoolClass, uuid.UUID(meta["class_id"]))
        except ValueError:
            school_class = None
        if school_class is not None and school_class.deleted:
            school_class = None
    if school_class is None:
        class_name = meta.get("class") or labels.get("class", "")
        year_name = meta.get("year") or labels.get("year", "")
        if not class_name or not year_name:
            raise ValidationError(_("Tệp {name} không ghi lớp và năm học của bảng điểm.").format(name=path.name),
                                  field="file")
        school_class = class_by_name(session, year_by_name(session, year_name).id, class_name)
    return school_class, subject, milestone


def import_score_sheet(db: Database, actor: Actor, path: str | Path, *, dry_run: bool = False,
                       on: dt.date | None = None) -> ImportReport:
    """Read a sheet made by ``export_score_sheet`` (or one like it) back; all-or-nothing.

    Raises ``PermissionDenied`` / ``Locked`` (nothing written) when the actor may not enter
    this class × subject or the milestone is closed; otherwise returns the report: when any
    cell is refused (``report.refused``) nothing is written.  A grade sheet made by
    ``export_grade_score_sheet`` is passed on to ``import_grade_scores``.
    """
    path = Path(path)
    on = on or today()
    file = _read_file(path, needs={"full_name"})
    if file.meta is not None and file.meta.get("kind") == "grade":
        return _import_grade_file(db, actor, path, file, None, dry_run=dry_run, on=on)
    with db.read() as session:
        school_class, subject, milestone = _resolve_class_target(session, file, path)
        require(session, actor, Action.MARKS_VIEW, class_id=school_class.id)
        year = session.get(SchoolYear, school_class.year_id)
        roster = _roster(session, school_class, subject.id, milestone, on)
        class_id, subject_id = school_class.id, subject.id
        heading = f"{subject.name} — {_('lớp')} {school_class.name} — {rules.MILESTONE_NAMES[milestone]} — {year.name}"
    report = ImportReport(str(path), "class", heading, milestone, dry_run)
    fields = [f for f in FIELDS if f in file.header.columns.values()]
    if not fields:
        raise ValidationError(_("Tệp {name} không có cột Mức đạt được, Điểm KTĐK hay Nhận xét.").format(
            name=path.name), field="file")
    edits: list[CellEdit] = []
    rows_by_pupil = _read_rows(_lines(file), file.meta, report, roster, fields, edits)
    _run(db, actor, report, rows_by_pupil, {class_id: edits}, subject_id, milestone, on)
    return report


def _read_rows(lines: list[_Line], meta: _Meta | None, report: ImportReport, roster: list[_Entry],
               fields: list[str], edits: list[CellEdit], *, class_label: str = "") -> dict[uuid.UUID, RowReport]:
    """Match each line to a pupil of *roster*, add its changes to *edits* and its report row to *report*."""
    by_id = {e.pupil_id: e for e in roster}
    base_all = meta.base if (meta is not None and not meta.blank) else {}
    rows_by_pupil: dict[uuid.UUID, RowReport] = {}
    for line in lines:
        entry, why = _match(line, roster, by_id)
        row = RowReport(line.row, line.text("stt"), nfc(line.text("full_name")) or "",
                        class_label or (entry.class_name if entry else line.text("class")),
                        entry.pupil_id if entry else None)
        if entry is None:
            exported = _exported_values(line, base_all)
            data = {f: line.cells.get(f) for f in fields}
            if all(_empty(v) for v in data.values()) or (exported is not None and all(
                    _same(f, _normalise(f, v)[1], exported.get(f)) for f, v in data.items())):
                if line.text("full_name") or line.text("pupil_id"):
                    row.notes.append(_("bỏ qua: {why}; dòng này không có gì thay đổi.").format(why=why))
                    report.rows.append(row)
                continue
            row.errors.append(CellError("", why[:1].upper() + why[1:] + "."))
            report.rows.append(row)
            continue
        if entry.pupil_id in rows_by_pupil:
            first = rows_by_pupil[entry.pupil_id]
            row.errors.append(CellError("", _("Học sinh {name} có hai dòng trong tệp (dòng {a} và {b}).").format(
                name=entry.full_name, a=first.row, b=line.row)))
            report.rows.append(row)
            continue
        if line.text("full_name") and fold(line.text("full_name")) != fold(entry.full_name):
            row.notes.append(_("tên trong tệp khác tên trong sổ ({name}); nhận theo mã học sinh.").format(
                name=entry.full_name))
        _diff_row(row, line, entry, fields, base_all.get(entry.pupil_id) if base_all else None, edits)
        rows_by_pupil[entry.pupil_id] = row
        report.rows.append(row)
    report.missing.extend(f"{class_label} {e.full_name}".strip() for e in roster if e.pupil_id not in rows_by_pupil)
    return rows_by_pupil


def _exported_values(line: _Line, base: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any] | None:
    try:
        return base.get(uuid.UUID(line.text("pupil_id"))) if line.text("pupil_id") else None
    except ValueError:
        return None


def _run(db: Database, actor: Actor, report: ImportReport, rows_by_pupil: dict[uuid.UUID, RowReport],
         edits_by_class: dict[uuid.UUID, list[CellEdit]], subject_id: uuid.UUID, milestone: str,
         on: dt.date, *, per_class: bool = False) -> None:
    """Dry-run every class through the one entry path; write only when nothing at all is refused.

    A class sheet lets the service's whole-block refusals (``PermissionDenied``, ``Locked``)
    propagate; a grade sheet (*per_class*) reports them on the rows of the class refused and
    calls the service only for classes with changes.
    """
    for class_id, edits in edits_by_class.items():
        if per_class and not edits:
            continue
        try:
            trial = gradebook.save_subject_cells(db, actor, class_id, subject_id, milestone, edits, on=on,
                                                 dry_run=True)
        except (PermissionDenied, Locked) as error:
            if not per_class:
                raise
            _apply_refusals(rows_by_pupil, [gradebook.RefusedCell(e.pupil_id, e.field, str(error)) for e in edits])
            continue
        _apply_refusals(rows_by_pupil, trial.refused)
    if report.dry_run or report.refused:
        return
    for class_id, edits in edits_by_class.items():
        if not edits:
            continue
        done = gradebook.save_subject_cells(db, actor, class_id, subject_id, milestone, edits, on=on)
        report.saved += done.saved
        _apply_refusals(rows_by_pupil, done.refused)  # none after a clean dry run on the same day
    report.applied = True


# --- the secretary's grade import ----------------------------------------------------------------

def import_grade_scores(db: Database, actor: Actor, path: str | Path, year_id: uuid.UUID, grade: int,
                        subject_id: uuid.UUID, milestone: str, *, dry_run: bool = False,
                        on: dt.date | None = None) -> ImportReport:
    """Periodic test scores of a whole grade from one sheet with a Lớp column (Điều 8.1); all-or-nothing.

    Only the score column is read; an empty cell is "not entered" unless the sheet was
    exported filled by ``export_grade_score_sheet`` and the cell was cleared.
    """
    path = Path(path)
    file = _read_file(path, needs={"class", "full_name", "score"})
    return _import_grade_file(db, actor, path, file, (year_id, grade, subject_id, rules.parse_milestone(milestone)),
                              dry_run=dry_run, on=on or today())


def _import_grade_file(db: Database, actor: Actor, path: Path, file: _File,
                       target: tuple[uuid.UUID, int, uuid.UUID, str] | None, *, dry_run: bool,
                       on: dt.date) -> ImportReport:
    meta = file.meta.values if file.meta else {}
    if not {"class", "full_name", "score"} <= set(file.header.columns.values()):
        raise ValidationError(_("Bảng điểm khối cần các cột Lớp, Họ và tên và Điểm KTĐK."), field="file")
    with db.read() as session:
        if target is None:
            year = year_by_name(session, meta.get("year", ""))
            try:
                grade = int(meta.get("grade", ""))
            except ValueError:
                raise ValidationError(_("Tệp {name} không ghi khối.").format(name=path.name), field="file") from None
            subject = subject_by_name(session, meta.get("subject_code", ""))
            milestone = rules.parse_milestone(meta.get("milestone", ""))
        else:
            year_id, grade, subject_id, milestone = target
            year = get_live(session, SchoolYear, year_id, _("năm học"))
            subject = get_live(session, Subject, subject_id, _("môn học"))
            if meta.get("kind") == "grade" and (
                    meta.get("year") != year.name or meta.get("grade") != str(grade)
                    or meta.get("subject_id") != str(subject.id) or meta.get("milestone") != milestone):
                raise ValidationError(_("Tệp {name} là bảng điểm {what}, không phải khối {g} môn {s} {m} {y}.").format(
                    name=path.name, what=f"{_('khối')} {meta.get('grade')} {meta.get('subject')} "
                                         f"{meta.get('milestone')} {meta.get('year')}",
                    g=grade, s=subject.name, m=milestone, y=year.name), field="file")
            if meta.get("kind") == "class":
                raise ValidationError(_("Tệp {name} là bảng điểm của một lớp; hãy nhập bằng import-scores.").format(
                    name=path.name), field="file")
        if not 1 <= grade <= 5:
            raise ValidationError(_("Khối phải từ 1 đến 5."), field="grade")
        _check_taught(session, year.id, grade, subject)
        _check_tested(session, year, grade, subject, milestone)
        classes = _grade_classes(session, year.id, grade)
        if not allows(session, actor, Action.MARKS_IMPORT_GRADE):
            for school_class in classes:
                require(session, actor, Action.MARKS_VIEW, class_id=school_class.id)
        rosters = {c.name: _roster(session, c, subject.id, milestone, on) for c in classes}
        class_ids = {c.name: c.id for c in classes}
        subject_id = subject.id
        heading = (f"{subject.name} — {_('khối')} {grade} — {rules.MILESTONE_NAMES[milestone]} — {year.name} "
                   f"({_('điểm kiểm tra định kì')})")
    report = ImportReport(str(path), "grade", heading, milestone, dry_run)
    lines_by_class: dict[str, list[_Line]] = {}
    for line in _lines(file):
        name = normal_class_name(line.text("class"))
        if name not in rosters:
            data = line.cells.get("score")
            row = RowReport(line.row, line.text("stt"), nfc(line.text("full_name")) or "", line.text("class"), None)
            if not line.text("full_name") and _empty(data):
                continue
            row.errors.append(CellError("", _("Lớp “{c}” không thuộc khối {g} năm học {y}.").format(
                c=line.text("class"), g=grade, y=year.name) if name else _("Dòng không ghi lớp.")))
            report.rows.append(row)
            continue
        lines_by_class.setdefault(name, []).append(line)
    edits_by_class: dict[uuid.UUID, list[CellEdit]] = {}
    rows_by_pupil: dict[uuid.UUID, RowReport] = {}
    for class_name, lines in lines_by_class.items():
        edits: list[CellEdit] = []
        rows_by_pupil.update(_read_rows(lines, file.meta, report, rosters[class_name], ["score"], edits,
                                        class_label=class_name))
        edits_by_class[class_ids[class_name]] = edits
    report.rows.sort(key=lambda r: r.row)
    _run(db, actor, report, rows_by_pupil, edits_by_class, subject_id, milestone, on, per_class=True)
    return report


__all__ = [
    "CellChange", "CellError", "ImportReport", "RowReport", "export_grade_score_sheet", "export_score_sheet",
    "import_grade_scores", "import_score_sheet",
]
