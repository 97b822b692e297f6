"""The qualities and competencies sheet in Excel: the homeroom class at a milestone, out and back.

``export_traits_sheet`` writes the class's sheet (filled with the stored values, or blank):
a title, one cell naming the class, milestone and year, the columns STT, Họ và tên, Ngày
sinh, the 15 qualities and competencies (T = Tốt, Đ = Đạt, C = Cần cố gắng; Excel data
validation), then one "Nhận xét: …" column per trait, a hidden pupil-id column and a hidden
sheet (``_nk``) holding where the sheet belongs and the values as exported.

``import_traits_sheet`` reads it back through ``gradebook.save_trait_cells`` — the entry path
of the traits grid — so permission (the homeroom teacher), lock, deadline and validation are
those of the grid.  All-or-nothing, with a dry run: the service is first called with
``dry_run=True``; the real run happens only when no cell is refused.  As for score sheets
(``exchange.scores``): a cell left as exported is not touched; a cell changed both in the file
and in the app since the export is refused; on a blank sheet an empty cell means "not filled".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.exchange import scores
from nk_desktop.exchange import workbook as xl
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import TraitResult
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import gradebook
from nk_desktop.services.common import get_live
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Action, require
from nk_desktop.services.school import class_by_name, year_by_name
from nk_desktop.text import nfc

FORMAT = "nk-desktop/traits-sheet"
FORMAT_VERSION = 1
DATA_SHEET = "Phẩm chất năng lực"
META_SHEET = "_nk"
TITLE_ROW, INFO_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3, 5
CODES = tuple(code for code, _name in rules.TRAITS)
COMMENT_PREFIX = "Nhận xét: "

_FIELDS = {"stt": "stt", "tt": "stt", "hovaten": "full_name", "hoten": "full_name", "ngaysinh": "date_of_birth",
           "id": "pupil_id"}
for _code, _name in rules.TRAITS:
    _FIELDS[xl.header_key(_name)] = f"level:{_code}"
    _FIELDS[xl.header_key(COMMENT_PREFIX + _name)] = f"comment:{_code}"


def _field(text: str) -> str | None:
    return _FIELDS.get(xl.header_key(text))


@dataclasses.dataclass(frozen=True)
class _Entry:
    pupil_id: uuid.UUID
    number: int
    full_name: str
    date_of_birth: dt.date | None
    levels: dict[str, str | None]
    comments: dict[str, str]

    def value(self, field: str) -> Any:
        kind, code = field.split(":")
        return self.levels.get(code) if kind == "level" else self.comments.get(code, "")


def _roster(session, school_class: SchoolClass, milestone: str, on: dt.date | None) -> list[_Entry]:
    pupils = gradebook.enrolled_pupils(session, school_class,
                                       gradebook.milestone_day(session, school_class, milestone, on))
    levels: dict[uuid.UUID, dict[str, str | None]] = {}
    comments: dict[uuid.UUID, dict[str, str]] = {}
    for row in session.scalars(select(TraitResult).where(
            TraitResult.class_id == school_class.id, TraitResult.milestone == milestone,
            TraitResult.deleted.is_(False))):
        levels.setdefault(row.pupil_id, {})[row.trait] = row.level
        comments.setdefault(row.pupil_id, {})[row.trait] = row.comment or ""
    return [_Entry(p.id, n, p.full_name, p.date_of_birth, levels.get(p.id, {}), comments.get(p.id, {}))
            for n, p in enumerate(pupils, start=1)]


# --- writing ---------------------------------------------------------------------------------

def export_traits_sheet(db: Database, actor: Actor, class_id: uuid.UUID, milestone: str, out: str | Path, *,
                        blank: bool = False, on: dt.date | None = None) -> Path:
    """Write the class's qualities and competencies at *milestone* to *out* (.xlsx), filled or blank."""
    milestone = rules.parse_milestone(milestone)
    with db.read() as session:
        require(session, actor, Action.MARKS_VIEW, class_id=class_id)
        school_class = get_live(session, SchoolClass, class_id, _("lớp"))
        year = session.get(SchoolYear, school_class.year_id)
        entries = _roster(session, school_class, milestone, on)
    out = Path(out)
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    fixed = ["stt", "full_name", "date_of_birth"]
    columns = fixed + [f"level:{c}" for c in CODES] + [f"comment:{c}" for c in CODES] + ["pupil_id"]
    titles = {"stt": "STT", "full_name": "Họ và tên", "date_of_birth": "Ngày sinh", "pupil_id": "ID (không sửa)"}
    titles.update({f"level:{c}": n for c, n in rules.TRAITS})
    titles.update({f"comment:{c}": COMMENT_PREFIX + n for c, n in rules.TRAITS})
    sheet.cell(TITLE_ROW, 1, f"{_('ĐÁNH GIÁ PHẨM CHẤT, NĂNG LỰC')} — {_('LỚP')} {school_class.name} — "
                             f"{rules.MILESTONE_NAMES[milestone].upper()} — {_('NĂM HỌC')} {year.name}").font = \
        Font(bold=True, size=13)
    sheet.cell(INFO_ROW, 1, f"{_('Lớp:')} {school_class.name} — {_('Thời điểm:')} {milestone} — "
                            f"{_('Năm học:')} {year.name}").font = Font(bold=True)
    sheet.cell(NOTE_ROW, 1, _("Mức: T = Tốt, Đ = Đạt, C = Cần cố gắng (Thông tư 27). Chỉ điền các ô màu vàng; không "
                              "xóa dòng, không sửa cột ID và trang ẩn.")).font = Font(italic=True, size=9)
    for index, field in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, index, titles[field])
        cell.font = Font(bold=True)
        cell.fill = scores._HEAD_FILL
        cell.border = scores._BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        width = {"stt": 6, "full_name": 28, "date_of_birth": 12, "pupil_id": 36}.get(
            field, 9 if field.startswith("level:") else 30)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 45
    first = HEADER_ROW + 1
    for offset, entry in enumerate(entries):
        row = first + offset
        for index, field in enumerate(columns, start=1):
            cell = sheet.cell(row, index)
            cell.border = scores._BORDER
            if field == "stt":
                cell.value = entry.number
            elif field == "full_name":
                cell.value = entry.full_name
            elif field == "date_of_birth":
                cell.value = entry.date_of_birth
                cell.number_format = "DD/MM/YYYY"
            elif field == "pupil_id":
                cell.value = str(entry.pupil_id)
                cell.font = Font(color="808080", size=8)
            else:
                cell.fill = scores._INPUT_FILL
                value = None if blank else entry.value(field)
                if field.startswith("level:"):
                    cell.value = rules.TRAIT_LETTERS[value] if value else None
                    cell.alignment = Alignment(horizontal="center")
                else:
                    if value:
                        scores._text(cell, value)
                    cell.number_format = "@"
    last_row = max(first + len(entries) - 1, first)
    check = DataValidation(type="list", formula1='"T,Đ,C"', allow_blank=True, showErrorMessage=True,
                           errorTitle=_("Mức không hợp lệ"), error=_("Chọn T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng)."))
    check.add(f"{get_column_letter(len(fixed) + 1)}{first}:{get_column_letter(len(fixed) + len(CODES))}{last_row}")
    sheet.add_data_validation(check)
    sheet.column_dimensions[get_column_letter(len(columns))].hidden = True
    sheet.freeze_panes = sheet.cell(first, len(fixed) + 1)
    sheet.page_setup.orientation = "landscape"

    hidden = book.create_sheet(META_SHEET)
    hidden.sheet_state = "hidden"
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "year": year.name, "class": school_class.name,
            "class_id": str(school_class.id), "milestone": milestone, "blank": 1 if blank else 0,
            "exported_on": (on or today()).isoformat(), "exported_by": actor.username}
    for key, value in meta.items():
        hidden.append([key, value])
    hidden.append([])
    hidden.append(["pupil_id", "field", "value"])
    if not blank:
        for entry in entries:
            for code in CODES:
                for kind in ("level", "comment"):
                    value = entry.value(f"{kind}:{code}")
                    if value:
                        hidden.append([str(entry.pupil_id), f"{kind}:{code}"])
                        scores._text(hidden.cell(hidden.max_row, 3), value)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


# --- reading ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CellChange:
    field: str  # level:CODE | comment:CODE
    old: Any
    new: Any


@dataclasses.dataclass
class RowReport:
    row: int
    full_name: str
    pupil_id: uuid.UUID | None
    changes: list[CellChange] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (field or "", reason)

    @property
    def status(self) -> str:
        return "error" if self.errors else ("changed" if self.changes else "unchanged")

    def detail(self) -> str:
        """"Trung thực: Đ → T", or the reasons the row is refused."""
        if self.errors:
            return "; ".join(f"{_label(field)}: {reason}" if field else reason for field, reason in self.errors)
        return "; ".join(f"{_label(c.field)}: {_show(c.field, c.old)} → {_show(c.field, c.new)}" for c in self.changes)


@dataclasses.dataclass
class ImportReport:
    path: str
    heading: str
    dry_run: bool
    rows: list[RowReport] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)
    applied: bool = False
    saved: int = 0

    @property
    def changed_cells(self) -> int:
        return sum(len(r.changes) for r in self.rows)

    @property
    def refused(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    def lines(self) -> list[str]:
        out = [self.heading]
        for row in self.rows:
            where = _("Dòng {r} ({name})").format(r=row.row, name=row.full_name)
            if row.status == "changed":
                out.append(f"  {where}: {_('đã sửa') if self.applied else _('sẽ sửa')} " + "; ".join(
                    f"{_label(c.field)}: {_show(c.field, c.old)} → {_show(c.field, c.new)}" for c in row.changes))
            for field, reason in row.errors:
                out.append(f"  {where}: {_('LỖI')} {_label(field) + ': ' if field else ''}{reason}")
        if self.missing:
            out.append("  " + _("Không có trong tệp (giữ nguyên): {names}.").format(names=", ".join(self.missing)))
        if self.refused:
            out.append(_("Không ghi gì: có {n} ô bị từ chối; sửa tệp rồi nhập lại.").format(n=self.refused))
        elif self.dry_run:
            out.append(_("Chạy thử: chưa ghi gì; {n} ô sẽ được ghi.").format(n=self.changed_cells))
        elif self.applied:
            out.append(_("Đã ghi {n} ô.").format(n=self.saved))
        else:
            out.append(_("Không có gì để ghi."))
        return out


def _label(field: str) -> str:
    kind, code = field.split(":")
    name = rules.TRAIT_NAMES[code]
    return name if kind == "level" else COMMENT_PREFIX + name


def _show(field: str, value: Any) -> str:
    if value in (None, ""):
        return _("(trống)")
    if field.startswith("level:") and value in rules.TRAIT_LETTERS:
        return rules.TRAIT_LETTERS[value]
    return f"“{value}”" if field.startswith("comment:") else str(value)


def _normalise(field: str, raw: Any) -> tuple[bool, Any]:
    if field.startswith("comment:"):
        return True, nfc(xl.cell_text(raw)) or ""
    try:
        return True, rules.parse_trait_level(xl.cell_text(raw))
    except ValidationError:
        return False, raw


def _read_meta(sheet: xl.Sheet) -> tuple[dict[str, str], dict[uuid.UUID, dict[str, Any]]]:
    values: dict[str, str] = {}
    base: dict[uuid.UUID, dict[str, Any]] = {}
    in_table = False
    for row in sorted(sheet.rows):
        cells = list(sheet.rows[row]) + [None] * 3
        if cells[0] == "pupil_id":
            in_table = True
        elif in_table:
            try:
                pupil_id = uuid.UUID(str(cells[0]))
            except ValueError:
                continue
            field = str(cells[1] or "")
            if field.startswith("comment:"):
                base.setdefault(pupil_id, {})[field] = nfc(xl.cell_text(cells[2])) or ""
            else:
                base.setdefault(pupil_id, {})[field] = xl.cell_text(cells[2]) or None
        elif isinstance(cells[0], str):
            values[cells[0]] = xl.cell_text(cells[1])
    return values, base


def is_traits_sheet(path: str | Path) -> bool:
    """Whether *path* is a qualities and competencies sheet (its hidden sheet, else its title) or a score sheet."""
    book = xl.open_workbook(path)
    try:
        titles = [worksheet.title for worksheet in book.worksheets]
        if META_SHEET in titles:
            meta = xl.read_sheet(book, book[META_SHEET])
            for row in meta.rows.values():
                if row and row[0] == "format":
                    return len(row) > 1 and row[1] == FORMAT
        return DATA_SHEET in titles
    finally:
        book.close()


def import_traits_sheet(db: Database, actor: Actor, path: str | Path, *, dry_run: bool = False,
                        on: dt.date | None = None) -> ImportReport:
    """Read a sheet made by ``export_traits_sheet`` back; all-or-nothing.

    Raises ``PermissionDenied`` / ``Locked`` (nothing written) when the actor may not assess
    this class's qualities and competencies or the milestone is closed; otherwise returns the
    report, and when any cell is refused (``report.refused``) nothing is written.
    """
    path = Path(path)
    on = on or today()
    sheets = list(xl.iter_sheets(path, hidden=True))
    meta_sheet = next((s for s in sheets if s.title == META_SHEET), None)
    values, base = _read_meta(meta_sheet) if meta_sheet is not None else ({}, {})
    if values.get("format") != FORMAT:
        values, base = {}, {}
    found = None
    for sheet in sheets:
        if sheet.title == META_SHEET:
            continue
        header = xl.find_header(sheet, _field, min_fields=3)
        if header is not None and "full_name" in header.columns.values():
            labels: dict[str, str] = {}
            for row in sorted(r for r in sheet.rows if r < header.row):
                scores._read_labels(sheet.rows[row], labels)
            found = (sheet, header, labels)
            break
    if found is None:
        raise ValidationError(_("Không tìm thấy bảng phẩm chất, năng lực trong tệp {name}: cần dòng tiêu đề có cột "
                                "Họ và tên và các phẩm chất, năng lực.").format(name=path.name), field="file")
    sheet, header, labels = found
    if values.get("blank") in ("1", "True", "true"):
        base = {}
    milestone_text = values.get("milestone") or labels.get("milestone", "")
    if not milestone_text:
        raise ValidationError(_("Tệp {name} không ghi thời điểm (GK1, CK1, GK2, CN).").format(name=path.name),
                              field="file")
    milestone = rules.parse_milestone(milestone_text)
    with db.read() as session:
        school_class = None
        if values.get("class_id"):
            try:
                school_class = session.get(SchoolClass, uuid.UUID(values["class_id"]))
            except ValueError:
                school_class = None
        if school_class is None or school_class.deleted:
            class_name = values.get("class") or labels.get("class", "")
            year_name = values.get("year") or labels.get("year", "")
            if not class_name or not year_name:
                raise ValidationError(_("Tệp {name} không ghi lớp và năm học.").format(name=path.name), field="file")
            school_class = class_by_name(session, year_by_name(session, year_name).id, class_name)
        require(session, actor, Action.MARKS_VIEW, class_id=school_class.id)
        year = session.get(SchoolYear, school_class.year_id)
        roster = _roster(session, school_class, milestone, on)
        class_id = school_class.id
        heading = (f"{_('Phẩm chất, năng lực')} — {_('lớp')} {school_class.name} — "
                   f"{rules.MILESTONE_NAMES[milestone]} — {year.name}")
    report = ImportReport(str(path), heading, dry_run)
    fields = [f for f in header.columns.values() if ":" in f]
    columns = {field: column for column, field in header.columns.items()}
    by_id = {e.pupil_id: e for e in roster}
    edits: list[CellEdit] = []
    rows_by_pupil: dict[uuid.UUID, RowReport] = {}
    for number in sorted(r for r in sheet.rows if r >= header.data_start):
        cells = {field: sheet.value(number, column) for column, field in header.columns.items()}
        if all(v is None for v in cells.values()):
            continue
        line = scores._Line(number, cells, columns)
        entry, why = scores._match(line, roster, by_id)
        row = RowReport(number, nfc(line.text("full_name")) or "", entry.pupil_id if entry else None)
        if entry is None:
            if any(not scores._empty(cells.get(f)) for f in fields):
                row.errors.append(("", why[:1].upper() + why[1:] + "."))
                report.rows.append(row)
            continue
        if entry.pupil_id in rows_by_pupil:
            row.errors.append(("", _("Học sinh {name} có hai dòng trong tệp.").format(name=entry.full_name)))
            report.rows.append(row)
            continue
        exported = base.get(entry.pupil_id, {}) if base else None
        for field in fields:
            raw = cells.get(field)
            if xl.is_excel_error(raw) or isinstance(raw, xl.FormulaWithoutValue):
                row.errors.append((field, _("ô {c} có lỗi công thức; hãy nhập giá trị.").format(
                    c=line.coordinate(field))))
                continue
            valid, value = _normalise(field, raw)
            stored = entry.value(field)
            if exported is not None:
                was = exported.get(field, "" if field.startswith("comment:") else None)
                if valid and scores._same("comment" if field.startswith("comment:") else "level", value, was):
                    continue  # left as exported
                if not scores._same("x", stored, was) and not (valid and scores._same("x", value, stored)):
                    row.errors.append((field, _("ô này đã được sửa trong phần mềm sau khi xuất tệp ({old} → {now}) "
                                                "nên không ghi đè; hãy xuất lại.").format(
                        old=_show(field, was), now=_show(field, stored))))
                    continue
            elif valid and scores._empty(value):
                continue  # blank sheet: an empty cell is "not filled"
            if valid and scores._same("x", value or None, stored or None):
                continue
            kind, code = field.split(":")
            row.changes.append(CellChange(field, stored, value))
            edits.append(CellEdit(entry.pupil_id, kind, xl.cell_text(raw) if kind == "level" else value, code))
        rows_by_pupil[entry.pupil_id] = row
        report.rows.append(row)
    report.missing.extend(e.full_name for e in roster if e.pupil_id not in rows_by_pupil)

    def refuse(refused: list[gradebook.RefusedCell]) -> None:
        for cell in refused:
            target = rows_by_pupil.get(cell.pupil_id)
            if target is not None:
                field = f"{cell.field}:{cell.trait}"
                target.changes = [c for c in target.changes if c.field != field]
                target.errors.append((field, cell.reason))

    # Always through the service, even with nothing to change: the right, the lock and the deadline are its to say.
    refuse(gradebook.save_trait_cells(db, actor, class_id, milestone, edits, on=on, dry_run=True).refused)
    if dry_run or report.refused or not edits:
        return report
    done = gradebook.save_trait_cells(db, actor, class_id, milestone, edits, on=on)
    report.saved = done.saved
    refuse(done.refused)
    report.applied = True
    return report


__all__ = ["CellChange", "ImportReport", "RowReport", "export_traits_sheet", "import_traits_sheet", "is_traits_sheet"]
