"""The qualities and competencies sheet in Excel: export, fill, import back through save_trait_cells."""

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select

from nk_desktop.errors import Locked, PermissionDenied
from nk_desktop.exchange import traits
from nk_desktop.models.gradebook import TraitResult
from nk_desktop.services import gradebook
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

from .test_gradebook import IN_TERM_1, marks  # noqa: F401  (fixture)

D = dt.date
FIRST_LEVEL = 4  # column D: Yêu nước
FIRST_COMMENT = 4 + 15  # column S: Nhận xét: Yêu nước


def _stored(db):
    with db.read() as session:
        return {(r.pupil_id, r.trait): (r.level, r.comment) for r in session.scalars(
            select(TraitResult).where(TraitResult.milestone == "CK1", TraitResult.deleted.is_(False)))}


def _rows(sheet):
    return {sheet.cell(r, 2).value: r for r in range(6, sheet.max_row + 1) if sheet.cell(r, 2).value}


def _export(db, marks, tmp_path, **kw):
    return traits.export_traits_sheet(db, marks.teacher, marks.class_id, "CK1", tmp_path / "pcnl.xlsx",
                                      on=IN_TERM_1, **kw)


def test_export_fill_dry_run_then_import(db, marks, tmp_path):
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1", [
        CellEdit(marks.an, "level", "T", trait="YEU_NUOC"), CellEdit(marks.an, "comment", "Ngoan", trait="NHAN_AI")],
        on=IN_TERM_1)
    path = _export(db, marks, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Phẩm chất năng lực"]
    assert book["_nk"].sheet_state == "hidden"
    assert sheet.cell(5, FIRST_LEVEL).value == "Yêu nước" and sheet.cell(5, FIRST_COMMENT).value == "Nhận xét: Yêu nước"
    rows = _rows(sheet)
    an, hoa = rows["Nguyễn Văn An"], rows["Đặng Thị Hoà"]
    assert sheet.cell(an, FIRST_LEVEL).value == "T" and sheet.cell(an, FIRST_COMMENT + 1).value == "Ngoan"
    sheet.cell(hoa, FIRST_LEVEL).value = "Đ"
    sheet.cell(hoa, FIRST_LEVEL + 1).value = "tốt"
    sheet.cell(hoa, FIRST_COMMENT).value = "Yêu quê hương"
    sheet.cell(an, FIRST_LEVEL).value = "C"
    book.save(path)
    before = _stored(db)
    trial = traits.import_traits_sheet(db, marks.teacher, path, dry_run=True, on=IN_TERM_1)
    assert trial.changed_cells == 4 and trial.refused == 0 and not trial.applied
    assert _stored(db) == before
    assert "Chạy thử" in trial.lines()[-1]
    done = traits.import_traits_sheet(db, marks.teacher, path, on=IN_TERM_1)
    assert done.applied and done.saved == 4
    after = _stored(db)
    assert after[(marks.hoa, "YEU_NUOC")] == ("DAT", "Yêu quê hương") and after[(marks.hoa, "NHAN_AI")][0] == "TOT"
    assert after[(marks.an, "YEU_NUOC")][0] == "CCG" and after[(marks.an, "NHAN_AI")] == (None, "Ngoan")


def test_an_invalid_level_refuses_the_whole_file(db, marks, tmp_path):
    path = _export(db, marks, tmp_path, blank=True)
    book = openpyxl.load_workbook(path)
    sheet = book["Phẩm chất năng lực"]
    rows = _rows(sheet)
    sheet.cell(rows["Nguyễn Văn An"], FIRST_LEVEL).value = "H"  # a subject letter, not a trait level
    sheet.cell(rows["Lê Thị Ánh"], FIRST_LEVEL).value = "T"
    book.save(path)
    report = traits.import_traits_sheet(db, marks.teacher, path, on=IN_TERM_1)
    assert report.refused == 1 and not report.applied and _stored(db) == {}
    assert any("không phải mức phẩm chất, năng lực" in line for line in report.lines())


def test_a_cell_changed_in_the_app_since_the_export_is_not_overwritten(db, marks, tmp_path):
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.an, "level", "T", trait="YEU_NUOC")], on=IN_TERM_1)
    path = _export(db, marks, tmp_path)
    gradebook.save_trait_cells(db, marks.teacher, marks.class_id, "CK1",
                               [CellEdit(marks.an, "level", "Đ", trait="YEU_NUOC")], on=IN_TERM_1)
    book = openpyxl.load_workbook(path)
    sheet = book["Phẩm chất năng lực"]
    sheet.cell(_rows(sheet)["Nguyễn Văn An"], FIRST_LEVEL).value = "C"
    book.save(path)
    report = traits.import_traits_sheet(db, marks.teacher, path, on=IN_TERM_1)
    assert report.refused == 1 and "sau khi xuất tệp" in report.lines()[1]
    assert _stored(db)[(marks.an, "YEU_NUOC")][0] == "DAT"


def test_permission_lock_and_deadline_bind_the_import(db, marks, people, principal, tmp_path):
    path = _export(db, marks, tmp_path, blank=True)
    book = openpyxl.load_workbook(path)
    sheet = book["Phẩm chất năng lực"]
    sheet.cell(_rows(sheet)["Nguyễn Văn An"], FIRST_LEVEL).value = "T"
    book.save(path)
    with pytest.raises(PermissionDenied):  # only the homeroom teacher assesses traits
        traits.import_traits_sheet(db, principal, path, on=IN_TERM_1)
    with pytest.raises(PermissionDenied):
        traits.import_traits_sheet(db, people.actors[Role.KE_TOAN], path, on=IN_TERM_1)
    with pytest.raises(Locked, match="quá hạn"):  # CK1's week 17 is over in January
        traits.import_traits_sheet(db, marks.teacher, path, on=D(2027, 1, 11))
    gradebook.set_lock(db, principal, marks.year_id, locked=True, class_id=marks.class_id, milestone="CK1")
    with pytest.raises(Locked, match="đã khóa"):
        traits.import_traits_sheet(db, marks.teacher, path, dry_run=True, on=IN_TERM_1)
    assert _stored(db) == {}
