"""Excel helpers shared by the importers: read a sheet fast, see merged cells, find the header row.

Files come from Excel on Windows, from the national database (CSDL ngành) and from Macs:
title rows above the header, merged cells, formulas, empty rows, several sheets.  The
workbook is opened as ``load_workbook(read_only=True, data_only=True)`` does (cached formula
results), and each sheet's cells are parsed here, which also sees what read-only mode hides:
the merged ranges (a class merged over 35 rows counts for each of them) and formulas Excel
never calculated (reported, not read as empty cells).

openpyxl is pinned (pyproject): ``ExcelReader`` and the read-only worksheet's source, shared
strings and the workbook's date styles are used as openpyxl's own reader uses them.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator
from xml.etree.ElementTree import iterparse

from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601

from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.text import fold, nfc

#: Rows searched for the header row (title rows, school name, date lines come first).
HEADER_SCAN_ROWS = 30
_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})
_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u00ad": None})


class FormulaWithoutValue:
    """A formula cell the file holds no calculated value for (written by a program, never opened in Excel)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FormulaWithoutValue()"


UNCALCULATED = FormulaWithoutValue()

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA, _INLINE, _TEXT, _RUN, _SHARED, _MERGE = (
    _MAIN + tag for tag in ("row", "c", "v", "f", "is", "t", "r", "si", "mergeCell"))
_COLUMN_NUMBERS: dict[str, int] = {}


def _column_number(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        _COLUMN_NUMBERS[letters] = number
    return number


def _number(text: str) -> int | float:
    return float(text) if ("." in text or "E" in text or "e" in text) else int(text)


@dataclasses.dataclass
class Sheet:
    """The values of one worksheet: ``rows[n]`` is Excel row *n* (column A first), only rows with a value."""

    title: str
    rows: dict[int, tuple[Any, ...]]
    merged: list[tuple[int, int, int, int]]  # (min_row, min_col, max_row, max_col)
    epoch: Any

    def value(self, row: int, column: int) -> Any:
        values = self.rows.get(row, ())
        return values[column - 1] if column <= len(values) else None

    def horizontal_span(self, row: int, column: int) -> int:
        """How many columns the merged cell starting at (*row*, *column*) covers (1 if not merged)."""
        for min_row, min_col, max_row, max_col in self.merged:
            if min_col == column and min_row <= row <= max_row:
                return max_col - min_col + 1
        return 1

    def in_horizontal_merge(self, row: int, column: int) -> bool:
        return any(min_row <= row <= max_row and min_col <= column <= max_col and max_col > min_col
                   for min_row, min_col, max_row, max_col in self.merged)

    def fill_merged_down(self, from_row: int) -> None:
        """Give each cell of a vertically merged range's first column the range's value (what a person sees).

        Only ranges starting at or below *from_row* (the data area); read-only mode shows the
        value in the top-left cell alone.
        """
        for min_row, min_col, max_row, _max_col in self.merged:
            if max_row == min_row or min_row < from_row:
                continue
            top = self.value(min_row, min_col)
            if top is None:
                continue
            for row in range(min_row + 1, max_row + 1):
                if row not in self.rows:
                    continue  # an empty row stays empty (a class merged down past the last pupil)
                values = list(self.rows[row])
                if len(values) < min_col:
                    values.extend([None] * (min_col - len(values)))
                if values[min_col - 1] is None:
                    values[min_col - 1] = top
                self.rows[row] = tuple(values)


class _Reader(ExcelReader):
    """``load_workbook(read_only=True, data_only=True)`` with a faster shared-string table.

    openpyxl builds an object per shared string (a third of the reading time of a 2,000-row
    list saved by Excel); the text is all an import needs: plain text plus rich-text runs,
    phonetic guides left out, as openpyxl's ``Text.content``.
    """

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        strings = []
        with self.archive.open(part.PartName[1:]) as source:
            for _event, node in iterparse(source):
                if node.tag == _SHARED:
                    strings.append(_text_of(node).replace("x005F_", ""))
                    node.clear()
        self.shared_strings = strings


def _text_of(node) -> str:
    """A string item's text: its own ``t`` and the ``t`` of each rich-text run (not phonetic runs)."""
    if len(node) == 1:  # plain text, the usual case
        child = node[0]
        if child.tag == _TEXT:
            return child.text or ""
    parts = [child.text or "" for child in node if child.tag == _TEXT]
    parts += [run.findtext(_TEXT) or "" for run in node if run.tag == _RUN]
    return "".join(parts)


def open_workbook(path: str | Path):
    """The workbook in read-only mode with cached formula values, or a Vietnamese ``ValidationError``."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(_("Không tìm thấy tệp {path}.").format(path=path), field="file")
    if path.suffix.lower() == ".xls":
        raise ValidationError(_("Tệp {name} là định dạng Excel 97–2003 (.xls); hãy mở bằng Excel, lưu thành .xlsx "
                                "rồi nhập lại.").format(name=path.name), field="file")
    try:
        reader = _Reader(path, read_only=True, data_only=True)
        reader.read()
        return reader.wb
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValidationError(
            _("Không đọc được tệp {name}: không phải tệp Excel .xlsx hợp lệ ({error}).").format(
                name=path.name, error=error), field="file") from None


def read_sheet(workbook, worksheet) -> Sheet:
    """All values of a read-only *worksheet* and its merged ranges; uncalculated formulas marked.

    The cells are parsed here rather than by ``iter_rows``: the same XML, types and date
    styles (openpyxl's shared strings and date-format list are used), about three times
    faster, and it sees what read-only mode hides (merged ranges, formulas without a value).
    The declared dimension is ignored on purpose: some programs write a wrong one (A1:A1).
    """
    strings = worksheet._shared_strings
    date_styles, duration_styles = workbook._date_formats, workbook._timedelta_formats
    epoch = workbook.epoch
    rows: dict[int, tuple[Any, ...]] = {}
    merged: list[tuple[int, int, int, int]] = []
    row_number = 0
    with worksheet._get_source() as source:
        for _event, element in iterparse(source):
            tag = element.tag
            if tag == _MERGE:
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                merged.append((min_row, min_col, max_row, max_col))
                continue
            if tag != _ROW:
                continue
            number = element.get("r")
            row_number = int(float(number)) if number else row_number + 1
            cells: dict[int, Any] = {}
            column = 0
            for cell in element:
                if cell.tag != _CELL:
                    continue
                reference = cell.get("r")
                column = _column_number(reference) if reference else column + 1
                kind = cell.get("t", "n")
                if kind == "inlineStr":
                    inline = cell.find(_INLINE)
                    value = _text_of(inline) if inline is not None else None
                elif (text := cell.findtext(_VALUE) or None) is None:
                    value = UNCALCULATED if cell.find(_FORMULA) is not None else None
                elif kind == "n":
                    value = _number(text)
                    style = cell.get("s")
                    if style:
                        style = int(style)
                        if style in date_styles:
                            try:
                                value = from_excel(value, epoch, timedelta=style in duration_styles)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                elif kind == "s":
                    value = strings[int(text)]
                elif kind == "b":
                    value = text.strip() in ("1", "true")
                elif kind == "d":
                    value = from_ISO8601(text)
                else:  # "str" (a formula's text), "e" (an error such as #N/A)
                    value = text
                if value is not None and value != "":
                    cells[column] = value
            element.clear()
            if cells:
                values = [None] * max(cells)
                for index, value in cells.items():
                    values[index - 1] = value
                rows[row_number] = tuple(values)
    return Sheet(worksheet.title, rows, merged, epoch)


def iter_sheets(path: str | Path, *, hidden: bool = False) -> Iterator[Sheet]:
    """The worksheets of the file in tab order, each read when reached (chart sheets and, unless
    *hidden*, hidden sheets such as a template's catalogue sheets are skipped)."""
    workbook = open_workbook(path)
    try:
        for worksheet in workbook.worksheets:
            if hidden or worksheet.sheet_state == "visible":
                yield read_sheet(workbook, worksheet)
    finally:
        workbook.close()


#: ``text.fold`` remembered: an import folds each name several times (header check, duplicates, matching).
folded = functools.lru_cache(maxsize=16384)(fold)
_BRACKETED = re.compile(r"\(.*?\)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: Any) -> str:
    """A header reduced to letters and digits without accents: "Ngày sinh (dd/mm/yyyy)" → "ngaysinh"."""
    if not isinstance(text, str):
        return ""
    return _NOT_ALNUM.sub("", _BRACKETED.sub(" ", folded(text)))


@dataclasses.dataclass(frozen=True)
class Header:
    row: int  # the header row (Excel numbering)
    data_start: int  # first row after the header (and its sub-header row, if any)
    columns: dict[int, str]  # column number → field
    titles: dict[int, str]  # column number → header as written
    unknown: tuple[str, ...]  # headers not recognised, as written


def find_header(sheet: Sheet, lookup: Callable[[str], str | None], *, min_fields: int = 2) -> Header | None:
    """The first row (within ``HEADER_SCAN_ROWS``) naming the most known columns, with *min_fields* at least.

    *lookup* maps a header text to a field name (or None).  A second header row below
    merged headers ("Họ và tên" over "Họ đệm" | "Tên", "Giới tính" over "Nam" | "Nữ") is
    read too: its names replace the merged header's for the columns below it.
    """
    best: tuple[int, int] | None = None  # (fields, row)
    candidates = sorted(r for r in sheet.rows if r <= HEADER_SCAN_ROWS)
    for row in candidates:
        fields = {lookup(str(v)) for v in sheet.rows[row] if isinstance(v, str)} - {None}
        if len(fields) >= min_fields and (best is None or len(fields) > best[0]):
            best = (len(fields), row)
    if best is None:
        return None
    row = best[1]
    columns: dict[int, str] = {}
    titles: dict[int, str] = {}
    unknown: list[str] = []
    for column, value in enumerate(sheet.rows[row], start=1):
        if value is None:
            continue
        text = nfc(str(value))
        field = lookup(text)
        if field is None:
            unknown.append(text)
            continue
        columns[column] = field
        titles[column] = text
    data_start = row + 1
    # A sub-header row has names only under merged (or empty) header cells; a data row has
    # values under the plain header cells too ("STT", "Ngày sinh"…).
    sub, data_like = {}, False
    for column, value in enumerate(sheet.rows.get(row + 1, ()), start=1):
        if value is None:
            continue
        under_group = sheet.value(row, column) is None or sheet.in_horizontal_merge(row, column)
        field = lookup(str(value)) if isinstance(value, str) else None
        if under_group and field is not None:
            sub[column] = (field, nfc(str(value)))
        elif not under_group:
            data_like = True
    if sub and not data_like:
        for column, (field, text) in sub.items():
            columns[column] = field
            titles[column] = text
        data_start = row + 2
    return Header(row, data_start, columns, titles, tuple(unknown))


def cell_text(value: Any) -> str:
    """A cell as trimmed NFC-ready text ("" for empty); numbers without a trailing ".0"."""
    if value is None:
        return ""
    if type(value) is str and value.isprintable() and "  " not in value and value[:1] != " " != value[-1:]:
        return value  # printable text has no invisible mark and no space but " ": nothing to trim or collapse
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).translate(_INVISIBLE).split())


def is_excel_error(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in _EXCEL_ERRORS


def excel_serial_to_date(value: float, epoch) -> Any:
    return from_excel(value, epoch)


def coordinate(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"
