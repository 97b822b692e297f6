"""Monthly roll sheets in Excel: the paper roll-book layout out, the marks back in through ``take_rolls``.

``export_month`` writes one class × month as the paper roll book has it: a title row
("SỔ ĐIỂM DANH LỚP 4A — THÁNG 11/2026"), a line naming the class, month and year, the legend,
then STT, Họ và tên, one narrow column per day of the month (the row beneath the day numbers
gives the weekday, or "nghỉ" on a day off; day-off columns are grey, the reason is the cell's
comment) and the month's totals P / K / M.  A hidden pupil-id column and a hidden sheet
(``_nk``) say which class and month the sheet belongs to.

A cell holds what the roll book holds: blank = present, P (vắng có phép), K (vắng không
phép), M (đi muộn), "-" = not in the class that day.  On a day with a morning and an
afternoon roll, "K/P" is morning K and afternoon P ("K/" morning only, "/P" afternoon only);
one letter is the whole day.

``import_month`` reads such a sheet back and applies it through ``take_rolls`` (the checks of
``take_roll``, session by session), so the rules are exactly the screen's (homeroom teacher
only, no day off or future day, not in a confirmed month, only pupils enrolled that day).  It
is all-or-nothing: every changed day is checked first (a dry pass, written nothing) and each
refused cell is reported on its Excel row with the reason; when any is refused nothing is
written, otherwise the whole file is written in one transaction.  Pupils missing from
the file keep their marks; a mark's reason is kept while its letter is unchanged.
"""

from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from nk_desktop.actor import Actor
from nk_desktop.clock import today
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.exchange import workbook as xl
from nk_desktop.i18n import _
from nk_desktop.services import attendance
from nk_desktop.services.attendance import DayRolls, RollDays
from nk_desktop.services.permissions import Action, deny
from nk_desktop.text import fold, nfc

FORMAT = "nk-desktop/attendance-month"
FORMAT_VERSION = 1
DATA_SHEET = "Điểm danh"
META_SHEET = "_nk"
TITLE_ROW, INFO_ROW, NOTE_ROW, HEADER_ROW, WEEKDAY_ROW = 1, 2, 3, 5, 6
FIRST_ROW = WEEKDAY_ROW + 1
FIRST_DAY_COLUMN = 3  # A: STT, B: Họ và tên
OFF = _("nghỉ")
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
NOT_ENROLLED = "-"
MORNING, AFTERNOON = tuple(attendance.SESSIONS)  # "sang", "chieu"
LEGEND = _("Để trống: có mặt · P: vắng có phép · K: vắng không phép · M: đi muộn · “-”: chưa vào lớp hoặc đã rời "
           "lớp · ngày học hai buổi: “K/P” là sáng K, chiều P (“K/” chỉ buổi sáng, “/P” chỉ buổi chiều), một chữ là "
           "cả ngày · cột xám: ngày nghỉ.  Không xóa dòng, không sửa cột ID và trang ẩn.")


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year_no, month_no = attendance.parse_month(month)
    return dt.date(year_no, month_no, 1), dt.date(year_no, month_no, month_calendar.monthrange(year_no, month_no)[1])


def cell_text(rolls: DayRolls, pupil_id: uuid.UUID) -> str:
    """What the roll book shows for a pupil on a day: "", "K", "K/P", "K/", "/M" or "-"."""
    if pupil_id not in rolls.enrolled:
        return NOT_ENROLLED
    marks = [rolls.marks.get((pupil_id, s), ("", ""))[0] for s in rolls.sessions]
    if not marks:
        return ""
    if len(marks) == 1 or marks[0] == marks[1]:
        return marks[0]
    return f"{marks[0]}/{marks[1]}"


# --- export ------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_OFF_FILL = PatternFill("solid", fgColor="D9D9D9")
_CENTER = Alignment(horizontal="center", vertical="center")
TOTALS = (("P", _("Vắng có phép (buổi)")), ("K", _("Vắng không phép (buổi)")), ("M", _("Đi muộn (buổi)")))


def _title(class_name: str, first: dt.date) -> str:
    return _("SỔ ĐIỂM DANH LỚP {c} — THÁNG {m}/{y}").format(c=class_name, m=first.month, y=first.year)


def export_month(db: Database, actor: Actor, class_id: uuid.UUID, month: str, out: str | Path, *,
                 on: dt.date | None = None) -> Path:
    """Write the class's month (pupils × days, as the paper roll book) to *out* (.xlsx)."""
    first, last = month_bounds(month)
    month = attendance.month_key(first)
    view = attendance.month_view(db, actor, class_id, month)
    rolls = attendance.roll_days(db, actor, class_id, first, last, on=on)
    days = [first + dt.timedelta(days=n) for n in range(last.day)]
    out = Path(out)
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    total_column = FIRST_DAY_COLUMN + len(days)
    note_column = total_column + len(TOTALS)
    id_column = note_column + 1
    sheet.cell(TITLE_ROW, 1, _title(view.class_name, first)).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=note_column)
    sheet.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center")
    rate = "" if view.attendance_rate is None else _(" — Tỉ lệ chuyên cần: {r}%").format(
        r=f"{view.attendance_rate:.1f}".replace(".", ","))
    sheet.cell(INFO_ROW, 1, _("Lớp: {c} — Tháng: {m}/{y} — Năm học: {year}").format(
        c=view.class_name, m=first.month, y=first.year, year=rolls.year_name) + rate).font = Font(bold=True)
    sheet.cell(NOTE_ROW, 1, LEGEND).font = Font(italic=True, size=9)
    sheet.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=note_column)
    sheet.cell(NOTE_ROW, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[NOTE_ROW].height = 30

    headers = [(1, _("STT"), 5), (2, _("Họ và tên"), 26)]
    headers += [(FIRST_DAY_COLUMN + n, day.day, 3.6) for n, day in enumerate(days)]
    headers += [(total_column + n, letter, 4.5) for n, (letter, _t) in enumerate(TOTALS)]
    headers += [(note_column, _("Ghi chú"), 16), (id_column, _("ID (không sửa)"), 36)]
    for column, text, width in headers:
        for row in (HEADER_ROW, WEEKDAY_ROW):
            cell = sheet.cell(row, column)
            cell.font = Font(bold=row == HEADER_ROW, size=10 if row == HEADER_ROW else 8)
            cell.fill = _HEAD_FILL
            cell.border = _BORDER
            cell.alignment = _CENTER
        sheet.cell(HEADER_ROW, column, text)
        sheet.column_dimensions[get_column_letter(column)].width = width
    for column in (1, 2, note_column, id_column):
        sheet.merge_cells(start_row=HEADER_ROW, start_column=column, end_row=WEEKDAY_ROW, end_column=column)
    for n, (_letter, tip) in enumerate(TOTALS):
        sheet.cell(WEEKDAY_ROW, total_column + n, _("tháng"))
        sheet.cell(HEADER_ROW, total_column + n).comment = Comment(tip, "NK Desktop")
    for n, day in enumerate(days):
        column = FIRST_DAY_COLUMN + n
        reason = view.day_off.get(day.day)
        below = sheet.cell(WEEKDAY_ROW, column, OFF if reason else WEEKDAYS[day.weekday()])
        if reason:
            for row in (HEADER_ROW, WEEKDAY_ROW):
                sheet.cell(row, column).fill = _OFF_FILL
            below.comment = Comment(reason, "NK Desktop")

    rows = {r.pupil_id: r for r in view.rows}
    for offset, (pupil_id, full_name) in enumerate(rolls.pupils):
        row = FIRST_ROW + offset
        month_row = rows.get(pupil_id)
        values: list[tuple[int, Any]] = [(1, offset + 1), (2, full_name)]
        for n, day in enumerate(days):
            values.append((FIRST_DAY_COLUMN + n, cell_text(rolls.days[day], pupil_id) or None))
        if month_row is not None:
            totals = (month_row.month.excused, month_row.month.unexcused, month_row.month.late)
            values += [(total_column + n, value) for n, value in enumerate(totals)]
            values.append((note_column, month_row.note or None))
        values.append((id_column, str(pupil_id)))
        for column, value in values:
            cell = sheet.cell(row, column, value)
            cell.border = _BORDER
            if column != 2 and column != note_column:
                cell.alignment = _CENTER
        for n, day in enumerate(days):
            cell = sheet.cell(row, FIRST_DAY_COLUMN + n)
            if day.day in view.day_off:
                cell.fill = _OFF_FILL
            elif cell.value == NOT_ENROLLED:
                cell.font = Font(color="808080")
            reasons = [f"{attendance.SESSIONS[s]}: {r}" for s in rolls.days[day].sessions
                       if (r := rolls.days[day].marks.get((pupil_id, s), ("", ""))[1])]
            if reasons:
                cell.comment = Comment("\n".join(reasons), "NK Desktop")
        sheet.cell(row, id_column).font = Font(color="808080", size=8)
    footer = FIRST_ROW + len(rolls.pupils) + 1
    sheet.cell(footer, 1, _("Số buổi đã điểm danh trong tháng: {n}.").format(n=view.sessions_taken)).font = \
        Font(italic=True, size=9)
    sheet.column_dimensions[get_column_letter(id_column)].hidden = True
    sheet.freeze_panes = sheet.cell(FIRST_ROW, FIRST_DAY_COLUMN)
    sheet.print_title_rows = f"{HEADER_ROW}:{WEEKDAY_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    hidden = book.create_sheet(META_SHEET)
    hidden.sheet_state = "hidden"
    for key, value in (("format", FORMAT), ("version", FORMAT_VERSION), ("class", view.class_name),
                       ("class_id", str(class_id)), ("year", rolls.year_name), ("year_id", str(rolls.year_id)),
                       ("month", month), ("exported_on", (on or today()).isoformat()),
                       ("exported_by", actor.username)):
        hidden.append([key, value])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def export_notices(db: Database, actor: Actor, class_id: uuid.UUID, first: dt.date, last: dt.date,
                   out: str | Path) -> int:
    """The parent notices of a class for a period as a list to send (STT, name, phone, text); returns how many."""
    from nk_desktop.models.school import SchoolClass
    from nk_desktop.services.common import get_live

    notices = attendance.parent_notices(db, actor, class_id, first, last)  # checks the actor may see the class
    with db.read() as session:
        class_name = get_live(session, SchoolClass, class_id, _("lớp")).name
    out = Path(out)
    book = Workbook()
    data = book.active
    data.title = _("Thông báo")
    data.cell(1, 1, _("THÔNG BÁO CHUYÊN CẦN LỚP {c} — TỪ {a:%d/%m} ĐẾN {b:%d/%m/%Y}").format(
        c=class_name, a=first, b=last)).font = Font(bold=True, size=13)
    data.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    for column, (title, width) in enumerate(((_("STT"), 5), (_("Họ và tên"), 26), (_("Điện thoại"), 14),
                                             (_("Nội dung"), 100)), start=1):
        cell = data.cell(3, column, title)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = _CENTER
        data.column_dimensions[get_column_letter(column)].width = width
    for n, notice in enumerate(notices, start=1):
        for column, value in enumerate((n, notice.full_name, notice.parent_phone or None, notice.message), start=1):
            cell = data.cell(3 + n, column, value)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=column == 4,
                                       horizontal="center" if column == 1 else None)
            if column == 3:
                cell.number_format = "@"  # a phone number keeps its leading 0
    data.freeze_panes = "A4"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return len(notices)


# --- the import report --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DayChange:
    day: int
    old: str  # the cell as stored ("" present, "K", "K/P"…)
    new: str


@dataclasses.dataclass(frozen=True)
class DayError:
    day: int  # day of the month
    reason: str


@dataclasses.dataclass
class RowReport:
    row: int  # the Excel row
    number: str  # STT as written
    full_name: str  # as written
    pupil_id: uuid.UUID | None
    changes: list[DayChange] = dataclasses.field(default_factory=list)
    errors: list[DayError] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def status(self) -> str:
        """unchanged | changed | error."""
        if self.errors:
            return "error"
        return "changed" if self.changes else "unchanged"


@dataclasses.dataclass
class DayReport:
    day: dt.date
    sessions: tuple[str, ...]  # the rolls the import writes that day
    refused: str = ""  # why the day cannot be written ("" = it can)


@dataclasses.dataclass
class ImportReport:
    path: str
    class_name: str
    month: str  # 2026-11
    dry_run: bool
    rows: list[RowReport] = dataclasses.field(default_factory=list)
    days: list[DayReport] = dataclasses.field(default_factory=list)  # the days with a change, in order
    missing: list[str] = dataclasses.field(default_factory=list)  # pupils of the class not in the file
    applied: bool = False
    saved: int = 0  # marks changed (what ``take_roll`` counted)

    @property
    def refused_days(self) -> int:
        return sum(1 for d in self.days if d.refused)

    @property
    def changed_days(self) -> int:
        return sum(1 for d in self.days if not d.refused)

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def lines(self) -> list[str]:
        """The report as a person reads it: one line per changed or refused row, the refused days, the totals."""
        year_no, month_no = attendance.parse_month(self.month)
        out = [_("Điểm danh lớp {c}, tháng {m}/{y}").format(c=self.class_name, m=month_no, y=year_no)]
        for row in self.rows:
            where = _("Dòng {r}").format(r=row.row)
            who = " ".join(p for p in (row.number, row.full_name) if p)
            if row.changes:
                what = "; ".join(f"{_('ngày')} {c.day}: {_show(c.old)} → {_show(c.new)}" for c in row.changes)
                out.append(f"  {where} ({who}): {_('sửa')} {what}")
            for error in row.errors:
                out.append(f"  {where} ({who}): {_('LỖI')} {_('ngày')} {error.day}: {error.reason}")
            for note in row.notes:
                out.append(f"  {where} ({who}): {note}")
        for day in self.days:
            if day.refused:
                out.append("  " + _("Ngày {d:%d/%m/%Y} bị từ chối: {why}").format(d=day.day, why=day.refused))
        if self.missing:
            out.append("  " + _("Không có trong tệp (giữ nguyên): {names}.").format(names=", ".join(self.missing)))
        out.append(_("{changed} ngày thay đổi, {refused} ngày bị từ chối; {rows} dòng có sửa, {same} dòng không đổi.")
                   .format(changed=self.changed_days, refused=self.refused_days, rows=self.count("changed"),
                           same=self.count("unchanged")))
        if self.refused_days:
            out.append(_("Không ghi gì: có {n} ngày bị từ chối; sửa tệp rồi nhập lại.").format(n=self.refused_days))
        elif self.dry_run:
            out.append(_("Chạy thử: chưa ghi gì; {n} ngày sẽ được ghi.").format(n=self.changed_days))
        elif self.applied:
            out.append(_("Đã ghi {n} ngày ({m} ô điểm danh thay đổi).").format(n=self.changed_days, m=self.saved))
        else:
            out.append(_("Không có gì để ghi."))
        return out


def _show(text: str) -> str:
    return text if text else _("(có mặt)")


# --- reading the file ---------------------------------------------------------------------

_DAY_HEADER = re.compile(r"^(\d{1,2})(?:\.0+)?$")
_NAME_KEYS = {"hovaten", "hoten", "hotenhocsinh", "hovatenhocsinh", "tenhocsinh"}


def _header_field(text: str) -> str | None:
    match = _DAY_HEADER.match(text.strip())
    if match:
        day = int(match.group(1))
        return f"day{day}" if 1 <= day <= 31 else None
    key = xl.header_key(text)
    if key in ("stt", "tt", "sott"):
        return "stt"
    if key in _NAME_KEYS:
        return "full_name"
    if key == "id":
        return "pupil_id"
    return None


@dataclasses.dataclass
class _Line:
    row: int
    cells: dict[str, Any]

    def text(self, field: str) -> str:
        return xl.cell_text(self.cells.get(field))


def _read_file(path: Path) -> tuple[dict[str, str], str, list[_Line], set[int]]:
    """(hidden-sheet values, the text above the header, the pupil lines, the day columns present)."""
    sheets = list(xl.iter_sheets(path, hidden=True))
    meta: dict[str, str] = {}
    for sheet in sheets:
        if sheet.title == META_SHEET:
            for row in sheet.rows.values():
                if row and isinstance(row[0], str):
                    meta[row[0]] = xl.cell_text(row[1] if len(row) > 1 else None)
    if meta.get("format") != FORMAT:
        meta = {}
    for sheet in sheets:
        if sheet.title == META_SHEET:
            continue
        header = xl.find_header(sheet, _header_field, min_fields=2)
        if header is None or "full_name" not in header.columns.values():
            continue
        days = {int(f[3:]) for f in header.columns.values() if f.startswith("day")}
        if not days:
            continue
        above = " — ".join(xl.cell_text(v) for r in sorted(sheet.rows) if r < header.row
                           for v in sheet.rows[r] if v is not None)
        lines = []
        for row in sorted(r for r in sheet.rows if r >= header.data_start):
            values = sheet.rows[row]
            cells = {field: values[column - 1] for column, field in header.columns.items() if column <= len(values)}
            if not xl.cell_text(cells.get("full_name")) and not xl.cell_text(cells.get("pupil_id")):
                continue  # the weekday row, the footer, empty rows
            lines.append(_Line(row, cells))
        return meta, above, lines, days
    raise ValidationError(_("Không tìm thấy bảng điểm danh trong tệp {name}: cần dòng tiêu đề có “STT”, “Họ và tên” "
                            "và các ngày 1, 2, 3…").format(name=path.name), field="file")


_LABELS = (
    re.compile(r"\blop\s*:?\s*([0-9][0-9a-z]*)\b"),
    re.compile(r"\bthang\s*:?\s*(\d{1,2})\s*/\s*(\d{4})\b"),
    re.compile(r"\bnam hoc\s*:?\s*(\d{4})\s*-\s*(\d{4})\b"),
)


def _target(session, meta: dict[str, str], above: str, path: Path):
    """The class and month the sheet is for: the hidden sheet's ids, else the lines above the table."""
    from nk_desktop.models.school import SchoolClass
    from nk_desktop.services.school import class_by_name, current_year, normal_class_name, year_by_name

    month = meta.get("month", "")
    school_class = None
    if meta.get("class_id"):
        try:
            school_class = session.get(SchoolClass, uuid.UUID(meta["class_id"]))
        except ValueError:
            school_class = None
        if school_class is not None and school_class.deleted:
            school_class = None
    folded = fold(above)
    class_match, month_match, year_match = (pattern.search(folded) for pattern in _LABELS)
    if not month and month_match:
        month = f"{int(month_match.group(2)):04d}-{int(month_match.group(1)):02d}"
    if not month:
        raise ValidationError(_("Tệp {name} không ghi tháng của sổ điểm danh (ví dụ “Tháng: 11/2026”).").format(
            name=path.name), field="file")
    first, _last = month_bounds(month)
    if school_class is None:
        class_name = meta.get("class") or (class_match.group(1) if class_match else "")
        if not class_name:
            raise ValidationError(_("Tệp {name} không ghi lớp của sổ điểm danh (ví dụ “Lớp: 4A”).").format(
                name=path.name), field="file")
        if meta.get("year"):
            year = year_by_name(session, meta["year"])
        elif year_match:
            year = year_by_name(session, f"{year_match.group(1)}-{year_match.group(2)}")
        else:
            year = current_year(session, first)
            if year is None:
                raise ValidationError(_("Chưa có năm học nào."))
        school_class = class_by_name(session, year.id, normal_class_name(class_name))
    return school_class.id, attendance.month_key(first)


def _parse(raw: Any) -> tuple[str | tuple[str, str] | None, str]:
    """A cell as (value, error): "" or a letter for the whole day, (morning, afternoon), None for "-"."""
    text = xl.cell_text(raw)
    if text == NOT_ENROLLED:
        return None, ""
    try:
        if "/" in text:
            parts = text.split("/")
            if len(parts) != 2:
                raise ValidationError(_("“{t}” có nhiều hơn hai buổi.").format(t=text))
            return (attendance.normal_status(parts[0]), attendance.normal_status(parts[1])), ""
        return attendance.normal_status(text), ""
    except ValidationError as error:
        return "", str(error)


# --- the import ------------------------------------------------------------------------------

def import_month(db: Database, actor: Actor, path: str | Path, *, dry_run: bool = False,
                 on: dt.date | None = None) -> ImportReport:
    """Read a month sheet back and apply it through ``take_roll``: every day or none.

    Raises ``ValidationError`` when the file is not a roll sheet (or names no class or month)
    and ``PermissionDenied`` when the actor may not see the class; otherwise returns the
    report, and nothing is written when ``report.refused_days`` is not 0 or on a dry run.
    """
    path = Path(path)
    on = on or today()
    meta, above, lines, day_columns = _read_file(path)
    with db.read() as session:
        class_id, month = _target(session, meta, above, path)
    first, last = month_bounds(month)
    rolls = attendance.roll_days(db, actor, class_id, first, last, on=on)
    report = ImportReport(str(path), rolls.class_name, month, dry_run)
    wanted, row_of = _read_rows(lines, rolls, last.day, day_columns, report)
    plan = _plan(rolls, wanted, row_of, report)
    if not rolls.may_take and plan:
        for day in report.days:
            day.refused = day.refused or str(deny(Action.ROLL_TAKE))
    if dry_run or report.refused_days or not plan:
        return report
    _write(db, actor, class_id, plan, report, on)
    return report


def _read_rows(lines: list[_Line], rolls: RollDays, days_in_month: int, day_columns: set[int],
               report: ImportReport) -> tuple[dict[uuid.UUID, dict[int, Any]], dict[uuid.UUID, RowReport]]:
    """Each pupil's cells (day → parsed value) by pupil; unmatched or bad cells reported on their row."""
    names = {pid: name for pid, name in rolls.pupils}
    by_fold: dict[str, list[uuid.UUID]] = {}
    for pupil_id, name in rolls.pupils:
        by_fold.setdefault(fold(name), []).append(pupil_id)
    wanted: dict[uuid.UUID, dict[int, Any]] = {}
    row_of: dict[uuid.UUID, RowReport] = {}
    for line in lines:
        written_name = nfc(line.text("full_name")) or ""
        row = RowReport(line.row, line.text("stt"), written_name, None)
        report.rows.append(row)
        cells: dict[int, Any] = {}
        for day in sorted(day_columns):
            if day > days_in_month:
                if xl.cell_text(line.cells.get(f"day{day}")):
                    row.errors.append(DayError(day, _("tháng {m} không có ngày {d}.").format(
                        m=int(report.month[5:]), d=day)))
                continue
            value, error = _parse(line.cells.get(f"day{day}"))
            if error:
                row.errors.append(DayError(day, error))
            cells[day] = value
        pupil_id, why = _match(line, names, by_fold)
        if pupil_id in wanted:
            pupil_id, why = None, _("học sinh {name} có hai dòng trong tệp (dòng {a} và {b})").format(
                name=names[pupil_id], a=row_of[pupil_id].row, b=line.row)
        if pupil_id is None:
            marked = [day for day, value in cells.items() if value]
            # The marks of a row that names no pupil cannot be applied: each day it marks is held back.
            row.errors.extend(DayError(day, why) for day in marked)
            if not marked:
                row.notes.append(_("bỏ qua: {why}; dòng không có điểm danh.").format(why=why))
            continue
        row.pupil_id = pupil_id
        if written_name and fold(written_name) != fold(names[pupil_id]):
            row.notes.append(_("tên trong tệp khác tên trong sổ ({name}); nhận theo mã học sinh.").format(
                name=names[pupil_id]))
        wanted[pupil_id] = cells
        row_of[pupil_id] = row
    report.missing.extend(name for pid, name in rolls.pupils if pid not in wanted)
    return wanted, row_of


def _match(line: _Line, names: dict[uuid.UUID, str],
           by_fold: dict[str, list[uuid.UUID]]) -> tuple[uuid.UUID | None, str]:
    text = line.text("pupil_id")
    if text:
        try:
            pupil_id = uuid.UUID(text)
        except ValueError:
            pupil_id = None
        if pupil_id in names:
            return pupil_id, ""
    found = by_fold.get(fold(line.text("full_name")), [])
    if len(found) == 1:
        return found[0], ""
    if len(found) > 1:
        return None, _("lớp có hai học sinh tên {name}; đừng sửa cột ID").format(name=line.text("full_name"))
    return None, _("không có học sinh “{name}” trong lớp tháng này").format(name=line.text("full_name"))


def _sessions_after(rolls: DayRolls, values: list[Any]) -> tuple[str, ...]:
    """The rolls the day has once the file is applied: those taken, plus what the marks need."""
    sessions = set(rolls.sessions)
    if any(isinstance(v, tuple) and any(v) for v in values):
        sessions |= {MORNING, AFTERNOON}
    elif not sessions and any(isinstance(v, str) and v for v in values):
        sessions.add(MORNING)
    return tuple(s for s in attendance.SESSIONS if s in sessions)


def _status_in(value: Any, session_name: str) -> str:
    if isinstance(value, tuple):
        return value[0] if session_name == MORNING else value[1]
    return value or ""


def _plan(rolls: RollDays, wanted: dict[uuid.UUID, dict[int, Any]], row_of: dict[uuid.UUID, RowReport],
          report: ImportReport) -> dict[tuple[dt.date, str], dict[uuid.UUID, tuple[str, str]]]:
    """The full mark list of each (day, session) that changes; the changed days go in ``report.days``."""
    plan: dict[tuple[dt.date, str], dict[uuid.UUID, tuple[str, str]]] = {}
    for day, day_rolls in sorted(rolls.days.items()):
        values = {pid: cells[day.day] for pid, cells in wanted.items() if day.day in cells}
        for pupil_id, value in values.items():
            enrolled = pupil_id in day_rolls.enrolled
            if value is None and enrolled:
                row_of[pupil_id].errors.append(DayError(day.day, _(
                    "“-” là chưa vào hoặc đã rời lớp, nhưng em đang học ở lớp ngày này; để trống nếu có mặt.")))
            elif value and not enrolled:
                row_of[pupil_id].errors.append(DayError(day.day, _(
                    "em không thuộc lớp {c} ngày {d:%d/%m/%Y}; ô phải để trống hoặc “-”.").format(
                    c=rolls.class_name, d=day)))
        values = {pid: v for pid, v in values.items() if pid in day_rolls.enrolled and v is not None}
        sessions = _sessions_after(day_rolls, list(values.values()))
        changed_sessions = []
        for session_name in sessions:
            current = {pid: mark for (pid, s), mark in day_rolls.marks.items() if s == session_name}
            new = dict(current)
            for pupil_id, value in values.items():
                status = _status_in(value, session_name)
                old_status, old_reason = current.get(pupil_id, ("", ""))
                if not status:
                    new.pop(pupil_id, None)
                else:
                    new[pupil_id] = (status, old_reason if status == old_status else "")
            if new != current or session_name not in day_rolls.sessions:
                changed_sessions.append(session_name)
                plan[(day, session_name)] = new
        after_marks = {key: mark for key, mark in day_rolls.marks.items() if (day, key[1]) not in plan}
        after_marks.update({(pid, s): mark for s in changed_sessions for pid, mark in plan[(day, s)].items()})
        after = dataclasses.replace(day_rolls, sessions=sessions, marks=after_marks)
        for pupil_id in values:
            old, new_text = cell_text(day_rolls, pupil_id), cell_text(after, pupil_id)
            if old != new_text:
                row_of[pupil_id].changes.append(DayChange(day.day, old, new_text))
        if changed_sessions or any(e.day == day.day for r in report.rows for e in r.errors):
            refused = day_rolls.problem if changed_sessions else ""
            if any(e.day == day.day for r in report.rows for e in r.errors):
                refused = refused or _("có ô không hợp lệ (xem các dòng ở trên).")
            report.days.append(DayReport(day, tuple(changed_sessions), refused))
    return plan


def _write(db: Database, actor: Actor, class_id: uuid.UUID,
           plan: dict[tuple[dt.date, str], dict[uuid.UUID, tuple[str, str]]], report: ImportReport,
           on: dt.date) -> None:
    """Every planned roll through ``take_rolls`` in one transaction: if one is refused after all
    (a change made meanwhile), nothing of the file is written and the error is raised."""
    order = list(attendance.SESSIONS)
    rolls = [(day, session_name, marks) for (day, session_name), marks in sorted(
        plan.items(), key=lambda item: (item[0][0], order.index(item[0][1])))]
    report.saved = attendance.take_rolls(db, actor, class_id, rolls, on=on)
    report.applied = True


__all__ = ["DayChange", "DayError", "DayReport", "ImportReport", "RowReport", "cell_text", "export_month",
           "export_notices", "import_month"]
