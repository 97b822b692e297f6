"""Pupil lists in and out of Excel: the school's own class lists and the CSDL ngành templates (rules §10.3).

* ``read_pupil_file`` only reads: the header row below any title rows, columns by their
  Vietnamese names (with the usual variants), values normalised (NFC, trimmed, dates), and
  per-row errors naming the cell and the value.
* ``plan_import`` says row by row what an import would do (new, updated, unchanged, error):
  the dry run.  Existing pupils are found by MoET code, then personal ID, then school code,
  then the same name (ignoring accents and tone-mark placement) and date of birth.
* ``import_pupils`` (or ``apply_import`` after a preview) writes in one transaction, all rows
  or none; an empty cell never erases what is stored, so re-importing changes nothing.
* ``write_error_copy`` returns the file with a "Lỗi" column; ``export_pupils`` writes the
  same columns, so an exported list imports back unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import re
import types
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from nk_desktop.actor import Actor
from nk_desktop.clock import parse_date
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.exchange import workbook as xl
from nk_desktop.i18n import _
from nk_desktop.models.journal import LocalState
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.services import pupils as pupil_service
from nk_desktop.services.common import get_live
from nk_desktop.services.permissions import Action, require
from nk_desktop.services.school import normal_class_name
from nk_desktop.sync.capture import bulk_insert
from nk_desktop.text import join_name, split_full_name

# A name is folded several times per row (repeated-header check, in-file duplicates, matching, the stored key).
fold = xl.folded

# --- columns ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Column:
    field: str  # a pupil field, or: number, class, full_name, family_middle, female, male, province…
    header: str  # written on export and named in messages
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | name | date | gender | tick | code | phone | class | ignore


COLUMNS: tuple[Column, ...] = (
    Column("number", _("STT"), ("TT", "Số TT", "Số thứ tự"), "ignore"),
    Column("class", _("Lớp"), ("Tên lớp", "Mã lớp", "Lớp học"), "class"),
    Column("full_name", _("Họ và tên"), ("Họ tên", "Tên học sinh", "Họ và tên khai sinh", "Họ tên khai sinh"),
           "name"),
    Column("family_middle", _("Họ và tên đệm"), ("Họ đệm", "Họ và đệm", "Họ tên đệm", "Họ và chữ đệm", "Họ lót"),
           "name"),
    Column("family_name", _("Họ"), (), "name"),
    Column("middle_name", _("Tên đệm"), ("Đệm", "Chữ đệm", "Tên lót"), "name"),
    Column("given_name", _("Tên"), ("Tên gọi",), "name"),
    Column("date_of_birth", _("Ngày sinh"), ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày", "NS",
                                              "Ngày/tháng/năm sinh"), "date"),
    Column("gender", _("Giới tính"), ("GT", "Phái", "Nam/Nữ", "Nam, nữ"), "gender"),
    Column("female", _("Nữ"), (), "tick"),
    Column("male", _("Nam"), (), "tick"),
    Column("ethnicity", _("Dân tộc"), (), "text"),
    Column("moet_code", _("Mã định danh Bộ GD&ĐT"),
           ("Mã định danh", "Mã định danh Bộ GDĐT", "Mã định danh BGD&ĐT", "Mã định danh Bộ GD", "Mã định danh BGD",
            "Mã định danh trên CSDL ngành", "Mã định danh CSDL", "Mã CSDL", "Mã định danh GD&ĐT"), "code"),
    Column("personal_id", _("Số định danh cá nhân"),
           ("Số ĐDCN", "Mã ĐDCN", "ĐDCN", "Mã định danh cá nhân", "Mã số định danh cá nhân", "Số định danh",
            "Số định danh công dân", "CCCD", "Số CCCD", "Căn cước công dân", "Số căn cước công dân", "Số căn cước",
            "Căn cước"), "code"),
    Column("school_code", _("Mã học sinh"), ("Mã HS",), "code"),
    Column("birthplace", _("Nơi sinh"), (), "text"),
    Column("permanent_address", _("Địa chỉ thường trú"),
           ("Thường trú", "Hộ khẩu thường trú", "Nơi thường trú", "Địa chỉ", "Hộ khẩu"), "text"),
    Column("current_address", _("Chỗ ở hiện nay"),
           ("Nơi ở hiện nay", "Địa chỉ hiện nay", "Nơi ở hiện tại", "Chỗ ở hiện tại", "Nơi ở", "Chỗ ở", "Tạm trú"),
           "text"),
    Column("province", _("Tỉnh"), ("Tỉnh/Thành phố", "Tỉnh/TP", "Tỉnh, thành phố", "Tỉnh thành"), "text"),
    Column("district", _("Huyện"), ("Quận/Huyện", "Huyện/Quận", "Quận, huyện", "Quận huyện"), "text"),
    Column("commune", _("Xã"), ("Xã/Phường", "Phường/Xã", "Xã, phường", "Xã/Phường/Thị trấn", "Phường xã"), "text"),
    Column("policy_family", _("Con gia đình chính sách"),
           ("Con GĐCS", "GĐCS", "Gia đình chính sách", "Con gia đình CS", "Con GĐ chính sách"), "tick"),
    Column("policy_kind", _("Diện chính sách"), ("Đối tượng chính sách", "Loại chính sách"), "text"),
    Column("father_name", _("Họ tên cha"), ("Họ và tên cha", "Tên cha", "Cha", "Họ tên bố", "Họ và tên bố", "Bố"),
           "text"),
    Column("father_job", _("Nghề nghiệp cha"), ("Nghề cha", "Nghề nghiệp bố", "Nghề bố"), "text"),
    Column("father_phone", _("Điện thoại cha"),
           ("SĐT cha", "Số điện thoại cha", "ĐT cha", "Điện thoại bố", "SĐT bố", "Số điện thoại bố"), "phone"),
    Column("mother_name", _("Họ tên mẹ"), ("Họ và tên mẹ", "Tên mẹ", "Mẹ"), "text"),
    Column("mother_job", _("Nghề nghiệp mẹ"), ("Nghề mẹ",), "text"),
    Column("mother_phone", _("Điện thoại mẹ"), ("SĐT mẹ", "Số điện thoại mẹ", "ĐT mẹ"), "phone"),
    Column("contact_phone", _("Điện thoại liên hệ"),
           ("Điện thoại", "SĐT", "Số điện thoại", "SĐT liên hệ", "ĐT liên hệ", "Số điện thoại liên hệ",
            "Điện thoại phụ huynh", "SĐT phụ huynh", "Số điện thoại phụ huynh", "ĐT phụ huynh"), "phone"),
    Column("notes", _("Ghi chú"), (), "text"),
    # Known, with no pupil field: read past without complaint, listed as not imported.
    Column("nationality", _("Quốc tịch"), (), "ignore"),
    Column("father_birth_year", _("Năm sinh cha"), ("Năm sinh bố",), "ignore"),
    Column("mother_birth_year", _("Năm sinh mẹ"), (), "ignore"),
    Column("errors", _("Lỗi"), ("Lỗi nhập",), "ignore"),  # the column ``write_error_copy`` adds
)
BY_FIELD = {column.field: column for column in COLUMNS}
_BY_KEY = {xl.header_key(text): column.field for column in COLUMNS for text in (column.header, *column.aliases)}
_SUFFIXES = ("cuahocsinh", "hocsinh", "cuahs", "hs")
NAME_FIELDS = ("full_name", "family_middle", "family_name", "middle_name", "given_name")
# A row is a pupil row when one of these holds something (a row of STT numbers alone is not).
IDENTITY_FIELDS = (*NAME_FIELDS, "date_of_birth", "moet_code", "personal_id", "school_code")
CODE_FIELDS = ("moet_code", "personal_id", "school_code")
NAME_PARTS = ("family_name", "middle_name", "given_name")

#: The columns ``export_pupils`` writes, in order (all of them are read back by the import).
EXPORT_FIELDS = ("number", "class", "full_name", "date_of_birth", "gender", "ethnicity", "moet_code", "personal_id",
                 "school_code", "birthplace", "permanent_address", "current_address", "policy_family",
                 "policy_kind", "father_name", "father_job", "father_phone", "mother_name", "mother_job",
                 "mother_phone", "contact_phone", "notes")
_TEXT_FORMAT_FIELDS = frozenset({"moet_code", "personal_id", "school_code", "father_phone", "mother_phone",
                                 "contact_phone"})
DATE_FORMAT = "DD/MM/YYYY"

# The end of the list: totals and the signature block below it are not pupils.
_FOOTER_RE = re.compile(
    r"^(tổng số|tổng cộng|cộng:|người lập|hiệu trưởng|phó hiệu trưởng|giáo viên chủ nhiệm|xác nhận|"
    r"kí tên|ký tên|kt\. ?hiệu trưởng|danh sách (này )?có)|ngày .{1,3} tháng .{1,3} năm", re.IGNORECASE)
_CLASS_PREFIX_RE = re.compile(r"^lớp\s*", re.IGNORECASE)
_DIGIT, _SPACE = re.compile(r"\d"), re.compile(r"\s")

STATUS_LABELS = {"new": _("Thêm mới"), "updated": _("Cập nhật"), "unchanged": _("Không đổi"), "error": _("Lỗi")}


def column_for_header(text: str) -> str | None:
    """The field a header names ("Họ và tên học sinh" → ``full_name``), or None."""
    key = xl.header_key(text)
    field = _BY_KEY.get(key)
    if field is None:
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and key[: -len(suffix)] in _BY_KEY:
                return _BY_KEY[key[: -len(suffix)]]
    return field


def _gc_paused(function: Callable) -> Callable:
    """Run *function* with Python's cyclic garbage collector paused.

    An import makes a few hundred thousand short-lived dicts, tuples and strings, none of them in
    a cycle (reference counting frees them); their allocations alone set off the collector
    every few hundred objects, and its full passes over everything the app holds cost about a
    tenth of an import (measured: 56–88 ms of a 2,000-pupil import).  Restored afterwards (only if it
    was on: a nested or concurrent call leaves it to the outer one).
    """
    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_on = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()
    return paused


# --- reading -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ParsedRow:
    row: int  # Excel row number
    name: str  # full name as read (NFC), for messages
    class_name: str  # normalised ("4A"), or "" when the row names none
    fields: dict[str, Any]  # pupil fields read (empty cells left out; tick columns always there)
    errors: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ParsedFile:
    path: Path
    sheet: str
    header_row: int
    columns: dict[str, str]  # field → header as written in the file
    ignored: tuple[str, ...]  # headers read past (unknown, or known with no pupil field)
    rows: tuple[ParsedRow, ...]
    skipped: tuple[int, ...] = ()  # rows with something written but no pupil (no name, date or code)

    @property
    def has_class_column(self) -> bool:
        return "class" in self.columns


@_gc_paused
def read_pupil_file(path: str | Path, *, sheet: str | None = None) -> ParsedFile:
    """Read a pupil list (.xlsx): the first sheet with a header row, or *sheet*; nothing is written.

    Raises ``ValidationError`` when the file cannot be read, has no header row, or lacks a
    required column (the message names it); errors of single rows are in ``rows[i].errors``.
    """
    path = Path(path)
    titles = []
    with contextlib.closing(xl.iter_sheets(path, hidden=sheet is not None)) as sheets:
        for data in sheets:
            titles.append(data.title)
            if sheet is not None and fold(data.title) != fold(sheet):
                continue
            header = xl.find_header(data, column_for_header)
            if header is not None:
                return _parse_sheet(path, data, header)
            if sheet is not None:
                break
    if sheet is not None and fold(sheet) not in {fold(t) for t in titles}:
        raise ValidationError(_("Tệp {name} không có trang tính “{sheet}” (có: {titles}).").format(
            name=path.name, sheet=sheet, titles=", ".join(titles)), field="sheet")
    raise ValidationError(
        _("Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Ngày sinh”, “Giới tính”) trong {n} dòng đầu "
          "của tệp {name}.").format(n=xl.HEADER_SCAN_ROWS, name=path.name), field="file")


def _parse_sheet(path: Path, data: xl.Sheet, header: xl.Header) -> ParsedFile:
    columns, titles = dict(header.columns), dict(header.titles)
    # "Họ và tên" merged over two columns with no sub-header: family + middle, then given name.
    for column, field in list(columns.items()):
        span = data.horizontal_span(header.row, column) if field == "full_name" else 1
        if span >= 2 and not any(c in columns for c in range(column + 1, column + span)):
            columns[column], columns[column + span - 1] = "family_middle", "given_name"
            titles[column + span - 1] = titles[column]
    by_field: dict[str, int] = {}
    ignored = list(header.unknown)
    for column in sorted(columns):
        field = columns[column]
        if BY_FIELD[field].kind == "ignore":
            if field not in ("number", "errors"):
                ignored.append(titles[column])
        elif field in by_field:
            ignored.append(_("{header} (cột {letter}, trùng)").format(
                header=titles[column], letter=get_column_letter(column)))
        else:
            by_field[field] = column
    if "family_name" in by_field and "middle_name" not in by_field and "family_middle" not in by_field:
        by_field["family_middle"] = by_field.pop("family_name")  # a "Họ" column next to "Tên" holds họ + đệm
    _check_required(data.title, by_field)
    data.fill_merged_down(header.data_start)
    reader = _RowReader(data, by_field, titles)
    rows, skipped = [], []
    for number in sorted(r for r in data.rows if r >= header.data_start):
        values = data.rows[number]
        if _is_footer(values):
            break
        field, value = reader.identity(values)
        if isinstance(value, str) and column_for_header(value) == field:
            continue  # the header printed again (a list pasted below another, or a page break)
        if field is None:
            if any(v is not None for i, v in enumerate(values, start=1) if i in columns and
                   BY_FIELD[columns[i]].kind != "ignore"):
                skipped.append(number)
            continue
        rows.append(reader.read(number, values))
    return ParsedFile(
        path=path, sheet=data.title, header_row=header.row,
        columns={field: titles[column] for field, column in by_field.items()},
        ignored=tuple(ignored), rows=tuple(rows), skipped=tuple(skipped))


def _check_required(sheet: str, by_field: dict[str, int]) -> None:
    has_id = "moet_code" in by_field or "personal_id" in by_field
    has_name = "full_name" in by_field or "given_name" in by_field
    missing = []
    has_parts = any(field in by_field for field in ("family_middle", "family_name", "middle_name"))
    if not has_name and (not has_id or has_parts):
        missing.append(BY_FIELD["given_name" if has_parts else "full_name"].header)
    if not has_id:
        if "date_of_birth" not in by_field:
            missing.append(BY_FIELD["date_of_birth"].header)
        if not {"gender", "female", "male"} & by_field.keys():
            missing.append(BY_FIELD["gender"].header)
    if missing:
        raise ValidationError(
            _("Trang tính “{sheet}” thiếu cột {columns} (hoặc tên cột khác cách viết thường dùng).").format(
                sheet=sheet, columns=", ".join(f"“{m}”" for m in missing)), field="columns")


def _is_footer(values: tuple) -> bool:
    first = next((v for v in values if v is not None), None)
    return isinstance(first, str) and bool(_FOOTER_RE.search(xl.cell_text(first)))


# Plain text columns, read in this order.
_TEXT_READ = ("ethnicity", "birthplace", "permanent_address", "current_address", "policy_kind", "father_name",
              "father_job", "mother_name", "mother_job", "notes", "moet_code", "school_code")


class _RowReader:
    """Turns one row's cells into pupil fields and Vietnamese error messages."""

    def __init__(self, data: xl.Sheet, by_field: dict[str, int], titles: dict[int, str]):
        self.data, self.by_field, self.titles = data, by_field, titles
        self.positions = tuple((field, column - 1) for field, column in by_field.items())
        self.identity_positions = tuple((f, by_field[f] - 1) for f in IDENTITY_FIELDS if f in by_field)
        # The columns of the sheet among each group, in the order a row's fields are read (and errors reported).
        self.name_fields = tuple(f for f in NAME_FIELDS if f in by_field)
        self.text_fields = tuple(f for f in _TEXT_READ if f in by_field)
        self.phone_fields = tuple(f for f in pupil_service.PHONE_FIELDS if f in by_field)

    def identity(self, values: tuple) -> tuple[str | None, Any]:
        """The first identity field (name, date of birth, a code) the row fills, and its cell: (None, None) if none."""
        size = len(values)
        for field, index in self.identity_positions:
            if index < size:
                value = values[index]
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    return field, value
        return None, None

    def cells(self, values: tuple) -> tuple[dict[str, Any], dict[str, Any]]:
        """The row's non-empty mapped cells by field, and those holding a formula problem (uncalculated, #N/A…)."""
        cells, problems, size = {}, {}, len(values)
        for field, index in self.positions:
            if index >= size:
                continue
            value = values[index]
            if value is None:
                continue
            if isinstance(value, str):
                if not value or value.isspace():
                    continue
                if "#" in value and xl.is_excel_error(value):
                    problems[field] = value
                    continue
            elif value is xl.UNCALCULATED:
                problems[field] = value
                continue
            cells[field] = value
        return cells, problems

    def read(self, number: int, values: tuple) -> ParsedRow:
        errors: list[str] = []
        fields: dict[str, Any] = {}

        def where(field: str) -> str:
            column = self.by_field[field]
            return _("{header}, ô {cell}").format(header=self.titles[column], cell=xl.coordinate(number, column))

        cells, problems = self.cells(values)
        get: Callable[[str], Any] = cells.get
        if problems:  # each reported where it is first read, as the row's fields are read in order
            def get(field: str) -> Any:
                value = problems.pop(field, None)
                if value is xl.UNCALCULATED:
                    errors.append(_("{where}: công thức chưa có kết quả (tệp chưa được mở bằng Excel); hãy mở tệp "
                                    "bằng Excel, lưu lại rồi nhập.").format(where=where(field)))
                elif value is not None:
                    errors.append(_("{where}: lỗi công thức {value}.").format(where=where(field),
                                                                             value=value.strip()))
                return cells.get(field)

        def text(field: str) -> str:
            return xl.cell_text(get(field))

        # Name: one column, or họ (đệm) + tên, or three parts.
        typed = len(errors)
        for field in self.name_fields:
            value = get(field)
            if value is not None and not isinstance(value, str):
                errors.append(_("{where}: tên phải là chữ, không phải “{value}”.").format(
                    where=where(field), value=xl.cell_text(value)))
        parts = self._name(text, errors)
        name = join_name(*parts) if parts else ""
        if parts:
            if len(errors) == typed and _DIGIT.search(name):
                errors.append(_("Họ và tên “{name}” có chữ số.").format(name=name))
            fields.update(zip(NAME_PARTS, parts))
        day = self._date(get("date_of_birth"), where, errors) if "date_of_birth" in self.by_field else None
        if day is not None:
            fields["date_of_birth"] = day
        gender = self._gender(get, text, where, errors)
        if gender:
            fields["gender"] = gender
        for field in self.text_fields:
            if value := text(field):
                fields[field] = value
        if "personal_id" in self.by_field:
            value = get("personal_id")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = xl.cell_text(value).zfill(12)  # typed as a number, Excel dropped the leading 0
            if value := _SPACE.sub("", xl.cell_text(value)):
                fields["personal_id"] = value
        for field in self.phone_fields:
            value = get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = xl.cell_text(value)
                if len(value) in (9, 10) and not value.startswith("0"):
                    value = "0" + value  # typed as a number: the leading 0 is gone
            if value := xl.cell_text(value):
                fields[field] = value
        if "policy_family" in self.by_field:
            fields["policy_family"] = _ticked(get("policy_family"))
        if "permanent_address" not in self.by_field:
            place = [text(f) for f in ("commune", "district", "province") if f in self.by_field]
            if address := ", ".join(p for p in place if p):
                fields["permanent_address"] = address
        class_name = ""
        if "class" in self.by_field:
            class_name = normal_class_name(_CLASS_PREFIX_RE.sub("", text("class")))
        return ParsedRow(number, name, class_name, fields, tuple(errors))

    def _name(self, text: Callable[[str], str], errors: list[str]) -> tuple[str, str, str] | None:
        full = text("full_name") if "full_name" in self.by_field else ""
        given = text("given_name") if "given_name" in self.by_field else ""
        if "middle_name" in self.by_field:
            family, middle = text("family_name"), text("middle_name")
            if full and not (family or middle or given):
                return split_full_name(full)
            return (family, middle, given) if (family or middle or given) else None
        front = text("family_middle") if "family_middle" in self.by_field else ""
        if full:
            if not given:
                return split_full_name(full)
            if front:
                return _split_front(front) + (given,)
            # A "Tên" column beside the full name confirms a compound given name ("Ngọc Anh").
            if full == given or not full.endswith(" " + given):
                errors.append(_("Tên “{given}” không khớp với họ và tên “{full}”.").format(given=given, full=full))
                return None
            return _split_front(full[: -len(given)].strip()) + (given,)
        if front or given:
            return _split_front(front) + (given,)
        return None

    def _date(self, value: Any, where: Callable[[str], str], errors: list[str]) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
            return xl.excel_serial_to_date(value, self.data.epoch).date()  # a date typed in a number cell
        text = xl.cell_text(value)
        text = re.sub(r"\s+0?0:00(:00)?$", "", text)  # "05/09/2017 00:00:00" pasted from another program
        try:
            return parse_date(text)
        except ValueError as error:
            errors.append(_("{where}: {error}").format(where=where("date_of_birth"), error=error))
            return None

    def _gender(self, get, text, where, errors: list[str]) -> str:
        if "gender" in self.by_field:
            value = text("gender")
            key = fold(value)
            if key in ("nam", "trai", "m", "male"):
                return "Nam"
            if key in ("nu", "gai", "f", "female"):
                return "Nữ"
            if value:
                errors.append(_("{where}: giới tính “{value}” phải là “Nam” hoặc “Nữ”.").format(
                    where=where("gender"), value=value))
            return ""
        female = _ticked(get("female")) if "female" in self.by_field else None
        male = _ticked(get("male")) if "male" in self.by_field else None
        if female is not None and male is not None:
            if female == male:
                errors.append(_("Hãy đánh dấu đúng một trong hai cột “Nam”, “Nữ”."))
                return ""
            return "Nữ" if female else "Nam"
        if female is not None:
            return "Nữ" if female else "Nam"
        if male is not None:
            return "Nam" if male else "Nữ"
        return ""


def _split_front(front: str) -> tuple[str, str]:
    """"Nguyễn Thị Ngọc" → ("Nguyễn", "Thị Ngọc"): họ is the first word, đệm the rest."""
    family, _sep, middle = front.partition(" ")
    return family, middle


def _ticked(value: Any) -> bool:
    """A tick column: "x", "X", "✓", 1, TRUE… count; empty, 0, FALSE, "không" do not."""
    if value is None or value is False or xl.is_excel_error(value) or value is xl.UNCALCULATED:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return fold(xl.cell_text(value)) not in ("", "0", "khong", "false", "-", "no")


# --- planning --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlanRow:
    row: int
    name: str
    class_name: str
    status: str  # new | updated | unchanged | error
    reason: str = ""  # the error, or what changes ("Ngày sinh: 01/02/2016 → 02/01/2016; vào lớp 4A")
    pupil_id: uuid.UUID | None = None
    class_id: uuid.UUID | None = None
    values: dict[str, Any] = dataclasses.field(default_factory=dict)  # new: every field; updated: the changes
    enrol: bool = False  # an existing pupil joins the class

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclasses.dataclass(frozen=True)
class ImportPlan:
    parsed: ParsedFile
    year_id: uuid.UUID
    class_id: uuid.UUID | None
    start_date: dt.date  # new stays in a class begin on the year's first day
    rows: tuple[PlanRow, ...]
    # The audit chain head when the plan was made: every write (local or synced in) moves it, so
    # an unchanged head at apply time means the plan still holds ("" = unknown: plan again).
    journal_head: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def errors(self) -> list[PlanRow]:
        return [row for row in self.rows if row.status == "error"]

    def summary(self) -> str:
        counts = self.counts
        return _("thêm mới {new}, cập nhật {updated}, không đổi {unchanged}, lỗi {error}").format(**counts)


class ImportRefused(ValidationError):
    """Some rows are invalid: nothing was written.  ``plan`` holds every row with its status."""

    def __init__(self, plan: ImportPlan):
        super().__init__(_("Có {n} dòng lỗi trong tệp {name}; chưa nhập gì.").format(
            n=len(plan.errors), name=plan.parsed.path.name))
        self.plan = plan


@_gc_paused
def plan_import(db: Database, actor: Actor, parsed: ParsedFile, year_id: uuid.UUID,
                class_id: uuid.UUID | None = None) -> ImportPlan:
    """What importing *parsed* into *year_id* (rows without a class: *class_id*) would do; writes nothing."""
    with db.read() as session:
        return _plan(session, actor, parsed, year_id, class_id)


@_gc_paused
def apply_import(db: Database, actor: Actor, plan: ImportPlan) -> dict[str, int]:
    """Carry out a previewed *plan* in one transaction; refused if it has errors or the data changed since."""
    if plan.errors:
        raise ImportRefused(plan)
    with db.write(actor) as session:
        fresh = plan
        if not plan.journal_head or _journal_head(session, lock=True) != plan.journal_head:
            # Something was written since the preview: plan again and compare.
            fresh = _plan(session, actor, plan.parsed, plan.year_id, plan.class_id)
            if fresh.errors:
                raise ImportRefused(fresh)
            if _signature(fresh) != _signature(plan):
                raise ValidationError(_("Dữ liệu học sinh đã thay đổi từ lúc xem trước; hãy xem trước lại rồi nhập."))
        _write(session, fresh)
    return fresh.counts


@_gc_paused
def import_pupils(db: Database, actor: Actor, parsed: ParsedFile, year_id: uuid.UUID,
                  class_id: uuid.UUID | None = None) -> ImportPlan:
    """Plan and write in one transaction: every row or none (``ImportRefused`` carries the plan)."""
    with db.write(actor) as session:
        plan = _plan(session, actor, parsed, year_id, class_id)
        if plan.errors:
            raise ImportRefused(plan)
        _write(session, plan)
    return plan


def _journal_head(session: Session, *, lock: bool = False) -> str:
    """The audit chain head ("seq:hash"; a database never written yet: seq 0)."""
    query = select(LocalState.value).where(LocalState.key == "audit_head")
    head = session.scalar(query.with_for_update() if lock else query)
    return head or "0:"


def _signature(plan: ImportPlan) -> list[tuple]:
    return [(r.row, r.status, r.pupil_id, r.class_id, r.values, r.enrol) for r in plan.rows]


_COMPARED = tuple(key for key in pupil_service.EDITABLE if key != "photo")


def _label(field: str) -> str:
    return Pupil.__table__.c[field].info.get("label", field)


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return _("có") if value else _("không")
    return str(value) if value not in (None, "") else _("(trống)")


class _Known(types.SimpleNamespace):
    """A stored pupil as the plan compares it (the columns of ``_COMPARED``, id and folded name)."""

    @property
    def full_name(self) -> str:  # for messages: only the pupils a row matches need it
        return join_name(self.family_name, self.middle_name, self.given_name)


class _Index:
    """The live pupils (one query) by code and by folded name + date of birth, and their stays this year."""

    def __init__(self, session: Session, year_id: uuid.UUID):
        self.by_code: dict[str, dict[str, _Known]] = {key: {} for key in CODE_FIELDS}
        self.by_name: dict[tuple[str, dt.date], list[_Known]] = defaultdict(list)
        result = session.execute(select(Pupil.id, Pupil.folded_name, *(getattr(Pupil, key) for key in _COMPARED))
                                 .where(Pupil.deleted.is_(False)))
        keys = tuple(result.keys())
        for row in result:
            pupil = _Known(**dict(zip(keys, row)), photo=None)
            for key in CODE_FIELDS:
                if value := getattr(pupil, key):
                    self.by_code[key][value] = pupil
            self.by_name[(pupil.folded_name, pupil.date_of_birth)].append(pupil)
        self.stays: dict[uuid.UUID, list[tuple]] = defaultdict(list)
        for pupil_id, class_id, end_date, end_reason in session.execute(
                select(Enrolment.pupil_id, Enrolment.class_id, Enrolment.end_date, Enrolment.end_reason)
                .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                .where(SchoolClass.year_id == year_id, Enrolment.deleted.is_(False))):
            self.stays[pupil_id].append((class_id, end_date, end_reason))


def _plan(session: Session, actor: Actor, parsed: ParsedFile, year_id: uuid.UUID,
          class_id: uuid.UUID | None) -> ImportPlan:
    head = _journal_head(session)  # first: a write after it shows as a changed head
    year = get_live(session, SchoolYear, year_id, _("năm học"))
    classes = {c.name: c for c in session.scalars(select(SchoolClass).where(
        SchoolClass.year_id == year.id, SchoolClass.deleted.is_(False)))}
    class_names = {c.id: c.name for c in classes.values()}
    default = None
    if class_id is not None:
        default = get_live(session, SchoolClass, class_id, _("lớp"))
        if default.year_id != year.id:
            raise ValidationError(_("Lớp {cls} không thuộc năm học {year}.").format(cls=default.name, year=year.name),
                                  field="class")
    elif not parsed.has_class_column:
        raise ValidationError(_("Tệp không có cột “Lớp”: hãy chọn lớp nhận danh sách."), field="class")
    # Each row's class, then the permission for every class the file touches (before any other work).
    targets: list[SchoolClass | str] = []
    for row in parsed.rows:
        if row.class_name and default is not None and row.class_name != default.name:
            targets.append(_("Dòng này ghi lớp {cls}, khác lớp đang nhập ({target}).").format(
                cls=row.class_name, target=default.name))
        elif row.class_name:
            targets.append(classes.get(row.class_name) or _("Không có lớp {cls} trong năm học {year}.").format(
                cls=row.class_name, year=year.name))
        else:
            targets.append(default or _("Dòng này không ghi lớp."))
    for school_class in {t.id: t for t in [*targets, default] if isinstance(t, SchoolClass)}.values():
        require(session, actor, Action.PUPIL_IMPORT, class_id=school_class.id)

    index = _Index(session, year.id)
    seen: dict[tuple, Any] = {}  # code or pupil → first row; name and birth date → [(row, its codes)]
    rows = []
    for row, target in zip(parsed.rows, targets):
        class_name = target.name if isinstance(target, SchoolClass) else row.class_name
        problem = _in_file_duplicate(row, seen)
        if row.errors:
            problem = "; ".join(row.errors)
        elif isinstance(target, str):
            problem = target
        if problem:
            rows.append(PlanRow(row.row, row.name, class_name, "error", problem))
            continue
        rows.append(_plan_row(row, target, index, seen, year, class_names))
    return ImportPlan(parsed, year.id, class_id, year.start_date, tuple(rows), head)


def _in_file_duplicate(row: ParsedRow, seen: dict[tuple, Any]) -> str:
    """The first earlier row with the same code, or the same name and date of birth ("" if none).

    Same name and date of birth with a different personal ID or MoET code on each row is two children
    (namesakes, twins named alike): each code belongs to one child."""
    fields = row.fields
    codes = {key: fields[key] for key in CODE_FIELDS if fields.get(key)}
    problem = ""
    for key in codes.items():
        if key in seen and not problem:  # the message is written only for a duplicate
            problem = _("Trùng với dòng {n}: cùng {what}.").format(
                n=seen[key], what=_("{label} {value}").format(label=_label(key[0]), value=key[1]))
        seen.setdefault(key, row.row)
    if row.name and fields.get("date_of_birth"):
        earlier = seen.setdefault(("name", fold(row.name), fields["date_of_birth"]), [])
        for number, other in earlier:
            if not problem and not any(other.get(k, code) != code for k, code in codes.items()):
                problem = _("Trùng với dòng {n}: cùng {what}.").format(n=number, what=_("họ tên và ngày sinh"))
        earlier.append((row.row, codes))
    return problem


def _plan_row(row: ParsedRow, target: SchoolClass, index: _Index, seen: dict[tuple, Any], year: SchoolYear,
              class_names: dict[uuid.UUID, str]) -> PlanRow:
    fields = dict(row.fields)

    def error(reason: str) -> PlanRow:
        return PlanRow(row.row, row.name, target.name, "error", reason, class_id=target.id)

    pupil, matched_by = None, ""
    for key in CODE_FIELDS:
        if fields.get(key) and fields[key] in index.by_code[key]:
            pupil, matched_by = index.by_code[key][fields[key]], key
            break
    if pupil is None and row.name and fields.get("date_of_birth"):
        same = index.by_name.get((fold(row.name), fields["date_of_birth"]), [])
        compatible = [p for p in same if not any(
            fields.get(key) and getattr(p, key) and fields[key] != getattr(p, key) for key in CODE_FIELDS)]
        if len(compatible) > 1:
            return error(_("Có {n} học sinh {name} sinh ngày {d:%d/%m/%Y}; hãy ghi mã định danh để phân biệt.").format(
                n=len(compatible), name=row.name, d=fields["date_of_birth"]))
        if same and not compatible:
            other = same[0]
            key = next(k for k in CODE_FIELDS if fields.get(k) and getattr(other, k) and fields[k] != getattr(other, k))
            return error(_("Đã có học sinh {name} sinh ngày {d:%d/%m/%Y} với {label} {old}, khác tệp ({new}).").format(
                name=other.full_name, d=other.date_of_birth, label=_label(key), old=getattr(other, key),
                new=fields[key]))
        pupil = compatible[0] if compatible else None
    if pupil is None:
        return _plan_new(row, fields, target, year, error)

    if (matched_by and row.name and fold(row.name) != pupil.folded_name and fields.get("date_of_birth")
            and fields["date_of_birth"] != pupil.date_of_birth):
        return error(_("{label} {value} là của học sinh {name} sinh ngày {d:%d/%m/%Y}, khác họ tên và ngày sinh "
                       "trong tệp.").format(label=_label(matched_by), value=fields[matched_by],
                                            name=pupil.full_name, d=pupil.date_of_birth))
    first = seen.setdefault(("pupil", pupil.id), row.row)
    if first != row.row:
        return error(_("Trùng với dòng {n}: cùng là học sinh {name}.").format(n=first, name=pupil.full_name))
    # In the class this year?  Joining is fine; being in another class, or having left, is for the pupil screens.
    stays = index.stays.get(pupil.id, [])
    here = [s for s in stays if s[0] == target.id and (s[1] is None or s[2] == "het_nam")]
    elsewhere = [s for s in stays if s[0] != target.id and (s[1] is None or s[2] == "het_nam")]
    if elsewhere and not here:
        return error(_("{name} đang học lớp {cls} năm học {year}; chuyển lớp ở hồ sơ học sinh.").format(
            name=pupil.full_name, cls=class_names.get(elsewhere[0][0], "?"), year=year.name))
    if stays and not here:
        left = max(stays, key=lambda s: s[1])
        return error(_("{name} đã rời lớp {cls} ngày {d:%d/%m/%Y} ({why}); nhập lại ở hồ sơ học sinh.").format(
            name=pupil.full_name, cls=class_names.get(left[0], "?"), d=left[1],
            why=pupil_service.END_REASONS.get(left[2], left[2]).lower()))
    enrol = not here

    if all(key in fields for key in NAME_PARTS) and join_name(*(fields[k] for k in NAME_PARTS)) == pupil.full_name:
        for key in NAME_PARTS:  # the same name as stored: keep the stored parts (rules §11.1)
            del fields[key]
    try:
        clean = pupil_service.clean_fields(fields, current=pupil, on=year.start_date)
    except ValidationError as problem:
        return error(str(problem))
    changes = {key: value for key, value in clean.items() if value != getattr(pupil, key)}
    for key in CODE_FIELDS:
        other = index.by_code[key].get(changes.get(key) or "")
        if other is not None and other.id != pupil.id:
            return error(_("{label} {value} đã thuộc về học sinh {name}.").format(
                label=_label(key), value=changes[key], name=other.full_name))
    notes = []
    if set(NAME_PARTS) & changes.keys():
        new_name = join_name(*(changes.get(k, getattr(pupil, k)) for k in NAME_PARTS))
        notes.append(_("Họ và tên: {old} → {new}").format(old=pupil.full_name, new=new_name))
        changes["folded_name"] = fold(new_name)
    notes += [f"{_label(key)}: {_shown(getattr(pupil, key))} → {_shown(value)}"
              for key, value in changes.items() if key not in NAME_PARTS and key != "folded_name"]
    if enrol:
        notes.append(_("vào lớp {cls}").format(cls=target.name))
    status = "updated" if changes or enrol else "unchanged"
    return PlanRow(row.row, pupil.full_name, target.name, status, "; ".join(notes), pupil.id, target.id, changes,
                   enrol)


def _plan_new(row: ParsedRow, fields: dict, target: SchoolClass, year: SchoolYear, error) -> PlanRow:
    if not row.name:
        code = next((key for key in CODE_FIELDS if fields.get(key)), None)
        if code is not None:
            return error(_("Không có học sinh nào mang {label} {value}; muốn thêm học sinh mới, dòng cần có họ tên, "
                           "ngày sinh và giới tính.").format(label=_label(code), value=fields[code]))
    try:
        clean = pupil_service.clean_fields(fields, on=year.start_date)
    except ValidationError as problem:
        return error(str(problem))
    clean["folded_name"] = fold(join_name(clean["family_name"], clean.get("middle_name"), clean["given_name"]))
    return PlanRow(row.row, row.name, target.name, "new", "", None, target.id, clean)


# --- writing -------------------------------------------------------------------------------


def _write(session: Session, plan: ImportPlan) -> None:
    new = [row for row in plan.rows if row.status == "new"]
    ids = bulk_insert(session, Pupil, [row.values for row in new])
    joining = [(pupil_id, row.class_id) for pupil_id, row in zip(ids, new)]
    joining += [(row.pupil_id, row.class_id) for row in plan.rows if row.status == "updated" and row.enrol]
    bulk_insert(session, Enrolment, [
        {"pupil_id": pupil_id, "class_id": class_id, "start_date": plan.start_date, "start_reason": "dau_nam"}
        for pupil_id, class_id in joining])
    changes = {row.pupil_id: row.values for row in plan.rows if row.status == "updated" and row.values}
    wanted = list(changes)
    for start in range(0, len(wanted), 500):
        for pupil in session.scalars(select(Pupil).where(Pupil.id.in_(wanted[start:start + 500]))):
            for key, value in changes[pupil.id].items():
                setattr(pupil, key, value)  # journaled by the flush like any edit
    session.flush()


def write_error_copy(source: str | Path, plan: ImportPlan, out: str | Path) -> Path:
    """A copy of *source* with a "Lỗi" column beside the header holding each invalid row's reason."""
    source, out = Path(source), Path(out)
    if out.resolve() == source.resolve():
        raise ValidationError(_("Hãy lưu tệp báo lỗi thành tệp khác, không ghi đè tệp gốc."), field="errors")
    try:
        book = openpyxl.load_workbook(source)  # full mode: formats, formulas and merged cells are kept
    except (OSError, ValueError, KeyError) as error:
        raise ValidationError(_("Không mở được tệp {name} ({error}).").format(name=source.name, error=error)) from None
    sheet = book[plan.parsed.sheet]
    header_row = plan.parsed.header_row
    column = next((cell.column for cell in sheet[header_row] if column_for_header(str(cell.value or "")) == "errors"),
                  None)
    if column is None:
        column = sheet.max_column + 1
    else:  # a corrected copy imported again: last time's messages go
        for row in range(header_row + 1, sheet.max_row + 1):
            sheet.cell(row, column).value = None
    red = Font(bold=True, color="C00000")
    cell = sheet.cell(header_row, column, _("Lỗi"))
    cell.font = red
    for row in plan.errors:
        cell = sheet.cell(row.row, column, row.reason)
        cell.font = Font(color="C00000")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[get_column_letter(column)].width = 70
    try:
        book.save(out)
    except OSError as error:
        raise ValidationError(_("Không ghi được tệp {path} ({error}).").format(path=out, error=error)) from None
    return out


# --- export --------------------------------------------------------------------------------


def export_pupils(db: Database, actor: Actor, year_id: uuid.UUID, class_id: uuid.UUID | None,
                  out: str | Path) -> int:
    """Write the class (or, with *class_id* None, every class of the year) to *out*; returns the pupil count.

    Official order (``class_list``), the columns ``read_pupil_file`` reads, dates as real Excel
    dates shown dd/mm/yyyy, and a title row above the header.
    """
    out = Path(out)
    with db.read() as session:
        year = get_live(session, SchoolYear, year_id, _("năm học"))
        if class_id is None:
            require(session, actor, Action.PUPIL_VIEW)  # the whole school: school-wide readers only
            classes = sorted(session.scalars(select(SchoolClass).where(
                SchoolClass.year_id == year.id, SchoolClass.deleted.is_(False))),
                key=lambda c: (c.grade, len(c.name), c.name))
        else:
            school_class = get_live(session, SchoolClass, class_id, _("lớp"))
            if school_class.year_id != year.id:
                raise ValidationError(_("Lớp {cls} không thuộc năm học {year}.").format(
                    cls=school_class.name, year=year.name), field="class")
            classes = [school_class]
    listed = [(c.name, row.id) for c in classes for row in pupil_service.class_list(db, actor, c.id).rows]
    records: dict[uuid.UUID, Pupil] = {}
    with db.read() as session:
        wanted = [pupil_id for _name, pupil_id in listed]
        for start in range(0, len(wanted), 500):
            records.update((p.id, p) for p in session.scalars(
                select(Pupil).where(Pupil.id.in_(wanted[start:start + 500]))))

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = classes[0].name if class_id is not None else _("Toàn trường")
    width = len(EXPORT_FIELDS)
    title = (_("DANH SÁCH HỌC SINH LỚP {cls} — NĂM HỌC {year}").format(cls=classes[0].name, year=year.name)
             if class_id is not None else _("DANH SÁCH HỌC SINH TOÀN TRƯỜNG — NĂM HỌC {year}").format(year=year.name))
    sheet.cell(1, 1, title).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    header_row = 3
    for column, field in enumerate(EXPORT_FIELDS, start=1):
        cell = sheet.cell(header_row, column, BY_FIELD[field].header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS.get(field, 16)
    date_column = EXPORT_FIELDS.index("date_of_birth") + 1
    text_columns = [i for i, f in enumerate(EXPORT_FIELDS, start=1) if f in _TEXT_FORMAT_FIELDS]
    for number, (class_name, pupil_id) in enumerate(listed, start=1):
        pupil = records[pupil_id]
        sheet.append([_export_value(field, pupil, number, class_name) for field in EXPORT_FIELDS])
        row = header_row + number
        sheet.cell(row, date_column).number_format = DATE_FORMAT
        for column in text_columns:
            sheet.cell(row, column).number_format = "@"
    sheet.freeze_panes = sheet.cell(header_row + 1, 4)
    try:
        book.save(out)
    except OSError as error:
        raise ValidationError(_("Không ghi được tệp {path} ({error}).").format(path=out, error=error)) from None
    return len(listed)


_WIDTHS = {"number": 6, "class": 7, "full_name": 26, "date_of_birth": 12, "gender": 9, "ethnicity": 10,
           "moet_code": 16, "personal_id": 16, "permanent_address": 32, "current_address": 32, "birthplace": 22,
           "notes": 30}


def _export_value(field: str, pupil: Pupil, number: int, class_name: str) -> Any:
    if field == "number":
        return number
    if field == "class":
        return class_name
    if field == "full_name":
        return pupil.full_name
    if field == "policy_family":
        return "x" if pupil.policy_family else None
    value = getattr(pupil, field)
    return value if value not in ("", None) else None
