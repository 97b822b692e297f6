"""Score sheets in Excel: export, fill at home, import back through the one entry path, all-or-nothing."""

import datetime as dt
import unicodedata

import openpyxl
import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import Locked, PermissionDenied, ValidationError
from nk_desktop.exchange import scores
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.models.journal import ChangeRecord
from nk_desktop.services import gradebook, pupils, school
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Role

D = dt.date
IN_TERM_1 = D(2026, 11, 30)  # week 13 of 2026-2027: GK1 (week 8) closed, CK1 (week 17) open
AFTER_CK1 = D(2027, 1, 11)  # week 18: CK1 levels closed, no CK1 test date set


@pytest.fixture
def marks(db, people, year_id):
    """4A with three pupils; its homeroom teacher teaches Toán and Đạo đức there, the subject teacher Tiếng Việt."""
    class Marks:
        pass

    m = Marks()
    m.teacher = people.actors[Role.GV_CHU_NHIEM]
    m.other_teacher = people.actors[Role.GV_BO_MON]
    m.clerk = people.actors[Role.VAN_THU]
    with db.read() as session:
        m.math = school.subject_by_name(session, "Toán").id
        m.ethics = school.subject_by_name(session, "Đạo đức").id
        m.vietnamese = school.subject_by_name(session, "Tiếng Việt").id
    school.assign_teacher(db, SYSTEM, people.class_4a, m.math, m.teacher.staff_id)
    school.assign_teacher(db, SYSTEM, people.class_4a, m.ethics, m.teacher.staff_id)
    school.assign_teacher(db, SYSTEM, people.class_4a, m.vietnamese, m.other_teacher.staff_id)
    m.pupils = [pupils.add_pupil(db, SYSTEM, people.class_4a, {"full_name": name, "date_of_birth": D(2016, 1, 1 + n),
                                                                "gender": g})
                for n, (name, g) in enumerate([("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ")])]
    m.hoa, m.an, m.anh = m.pupils
    m.class_id = people.class_4a
    m.class_4b = people.class_4b
    m.year_id = year_id
    # Already entered in the app: An T / 9 / "Tính nhanh", Ánh H.
    gradebook.save_subject_cells(db, m.teacher, m.class_id, m.math, "CK1", [
        CellEdit(m.an, "level", "T"), CellEdit(m.an, "score", 9), CellEdit(m.an, "comment", "Tính nhanh"),
        CellEdit(m.anh, "level", "H")], on=IN_TERM_1)
    return m


def _changes(db):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(ChangeRecord))


def _stored(db, marks, subject=None):
    """pupil → (level, score, comment) of the class's CK1 results."""
    with db.read() as session:
        rows = session.scalars(select(SubjectResult).where(
            SubjectResult.class_id == marks.class_id, SubjectResult.subject_id == (subject or marks.math),
            SubjectResult.milestone == "CK1", SubjectResult.deleted.is_(False))).all()
        return {r.pupil_id: (r.level, r.score, r.comment) for r in rows}


def _export(db, marks, tmp_path, actor=None, subject=None, **kwargs):
    out = tmp_path / "bang-diem.xlsx"
    scores.export_score_sheet(db, actor or marks.teacher, marks.class_id, subject or marks.math, "CK1", out,
                              on=IN_TERM_1, **kwargs)
    return out


def _rows(sheet):
    """Full name → Excel row of the data rows (header on row 5)."""
    return {sheet.cell(r, 2).value: r for r in range(6, sheet.max_row + 1) if sheet.cell(r, 2).value}


def _edit(path, changes):
    """Fill the sheet at home: {(full name, column letter): value}."""
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    where = _rows(sheet)
    for (name, column), value in changes.items():
        sheet[f"{column}{where[name]}"] = value
    book.save(path)


# --- export ---------------------------------------------------------------------------------------

def test_export_has_title_labels_columns_validation_and_hidden_ids(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    assert sheet["A1"].value == "BẢNG ĐIỂM MÔN TOÁN — LỚP 4A — CUỐI HỌC KÌ I — NĂM HỌC 2026-2027"
    assert sheet["A2"].value == "Lớp: 4A — Môn: Toán — Thời điểm: CK1 — Năm học: 2026-2027"
    assert [sheet.cell(5, c).value for c in range(1, 8)] == [
        "STT", "Họ và tên", "Ngày sinh", "Mức đạt được (T/H/C)", "Điểm KTĐK", "Nhận xét", "ID (không sửa)"]
    assert sheet.column_dimensions["G"].hidden
    # Official order, current values, the level as its letter.
    assert [[sheet.cell(r, c).value for c in range(1, 7)] for r in (6, 7, 8)] == [
        [1, "Nguyễn Văn An", dt.datetime(2016, 1, 2), "T", 9, "Tính nhanh"],
        [2, "Lê Thị Ánh", dt.datetime(2016, 1, 3), "H", None, None],
        [3, "Đặng Thị Hoà", dt.datetime(2016, 1, 1), None, None, None]]
    assert sheet["G6"].value == str(marks.an)
    checks = {str(v.sqref): (v.type, v.formula1, v.formula2) for v in sheet.data_validations.dataValidation}
    assert checks == {"D6:D8": ("list", '"T,H,C"', None), "E6:E8": ("whole", "0", "10")}
    meta = book[scores.META_SHEET]
    assert meta.sheet_state == "hidden"
    values = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, 20)}
    assert (values["class"], values["subject_code"], values["milestone"], values["year"]) == (
        "4A", "TOAN", "CK1", "2026-2027")


def test_untested_subject_has_no_score_column_and_blank_sheet_no_values(db, marks, tmp_path):
    path = _export(db, marks, tmp_path, subject=marks.ethics)
    sheet = openpyxl.load_workbook(path)[scores.DATA_SHEET]
    assert [sheet.cell(5, c).value for c in range(1, 7)] == [
        "STT", "Họ và tên", "Ngày sinh", "Mức đạt được (T/H/C)", "Nhận xét", "ID (không sửa)"]
    blank = _export(db, marks, tmp_path, blank=True)
    sheet = openpyxl.load_workbook(blank)[scores.DATA_SHEET]
    assert [sheet.cell(6, c).value for c in (2, 4, 5, 6)] == ["Nguyễn Văn An", None, None, None]


def test_export_needs_the_right_to_view_the_class(db, marks, tmp_path, people):
    with pytest.raises(PermissionDenied):
        scores.export_score_sheet(db, people.actors[Role.THU_VIEN], marks.class_id, marks.math, "CK1",
                                  tmp_path / "x.xlsx", on=IN_TERM_1)
    with pytest.raises(ValidationError, match="không học môn"):
        with db.read() as session:
            nature = school.subject_by_name(session, "Tự nhiên và Xã hội").id
        scores.export_score_sheet(db, marks.teacher, marks.class_id, nature, "CK1", tmp_path / "x.xlsx",
                                  on=IN_TERM_1)
    with db.read() as session:
        arts = school.subject_by_name(session, "Nghệ thuật").id
    with pytest.raises(ValidationError, match="từng phân môn: Âm nhạc, Mĩ thuật"):
        scores.export_score_sheet(db, marks.teacher, marks.class_id, arts, "CK1", tmp_path / "x.xlsx", on=IN_TERM_1)


# --- import -----------------------------------------------------------------------------------------

def test_round_trip_changes_nothing(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    before, stored = _changes(db), _stored(db, marks)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert [r.status for r in report.rows] == ["unchanged"] * 3
    assert (report.refused, report.changed_cells, report.saved, report.missing) == (0, 0, 0, [])
    assert _changes(db) == before and _stored(db, marks) == stored


def test_filled_at_home_applies_exactly_those_cells(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "C", ("Đặng Thị Hoà", "E"): 4, ("Lê Thị Ánh", "E"): 10,
                 ("Nguyễn Văn An", "F"): "Tính nhanh, trình bày đẹp"})
    before = _changes(db)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.applied and report.refused == 0 and report.saved == 4
    by_name = {r.full_name: r for r in report.rows}
    assert by_name["Đặng Thị Hoà"].changes == [scores.CellChange("level", None, "CHT"),
                                               scores.CellChange("score", None, 4)]
    assert by_name["Lê Thị Ánh"].changes == [scores.CellChange("score", None, 10)]
    assert by_name["Nguyễn Văn An"].changes == [scores.CellChange("comment", "Tính nhanh", "Tính nhanh, trình bày đẹp")]
    assert _stored(db, marks) == {marks.an: ("HTT", 9, "Tính nhanh, trình bày đẹp"), marks.anh: ("HT", 10, ""),
                                  marks.hoa: ("CHT", 4, "")}
    assert _changes(db) == before + 3  # one changed row each (Hoà's is new)
    text = "\n".join(report.lines())
    assert "Mức đạt được: (trống) → C; Điểm KTĐK: (trống) → 4" in text and "Đã ghi 4 ô." in text


@pytest.mark.parametrize("bad, why", [("7,5", "phần thập phân"), ("11", "ngoài thang"),
                                      ("abc", "không phải là điểm"), (7.5, "phần thập phân"), (11, "ngoài thang"),
                                      (-1, "ngoài thang")])
def test_invalid_scores_refuse_the_whole_file(db, marks, tmp_path, bad, why):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "E"): bad, ("Lê Thị Ánh", "E"): 8, ("Lê Thị Ánh", "D"): "T"})
    before, stored = _changes(db), _stored(db, marks)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert not report.applied and report.refused == 1 and report.saved == 0
    hoa = [r for r in report.rows if r.full_name == "Đặng Thị Hoà"][0]
    assert hoa.status == "error" and hoa.errors[0].field == "score" and why in hoa.errors[0].reason
    assert [r.status for r in report.rows if r.full_name == "Lê Thị Ánh"] == ["changed"]
    assert "Không ghi gì: có 1 ô bị từ chối" in "\n".join(report.lines())
    assert _changes(db) == before and _stored(db, marks) == stored


def test_invalid_level_refused_with_the_service_reason(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "Đ"})  # Đạt is the traits' scale, not a subject level
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.refused == 1 and "không phải mức đánh giá môn học" in report.rows[2].errors[0].reason


def test_dry_run_reports_and_writes_nothing(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "T", ("Nguyễn Văn An", "E"): 10})
    before, stored = _changes(db), _stored(db, marks)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=True, on=IN_TERM_1)
    assert (report.changed_cells, report.refused, report.applied, report.saved) == (2, 0, False, 0)
    assert [c for r in report.rows for c in r.changes] == [scores.CellChange("score", 9, 10),
                                                           scores.CellChange("level", None, "HTT")]
    assert "Chạy thử: chưa ghi gì; 2 ô sẽ được ghi." in report.lines()
    assert _changes(db) == before and _stored(db, marks) == stored


def test_import_after_the_deadline_is_refused(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "T"})
    before = _changes(db)
    with pytest.raises(Locked, match="quá hạn nhập"):
        scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=AFTER_CK1)
    assert _changes(db) == before


@pytest.mark.parametrize("scope", ["school", "grade", "class", "subject", "milestone", "class+subject+milestone"])
def test_every_lock_scope_binds_the_import(db, marks, principal, tmp_path, scope):
    kwargs = {"school": {}, "grade": {"grade": 4}, "class": {"class_id": marks.class_id},
              "subject": {"subject_id": marks.math}, "milestone": {"milestone": "CK1"},
              "class+subject+milestone": {"class_id": marks.class_id, "subject_id": marks.math,
                                          "milestone": "CK1"}}[scope]
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "T"})
    gradebook.set_lock(db, principal, marks.year_id, locked=True, reason="Kiểm tra sổ", **kwargs)
    before, stored = _changes(db), _stored(db, marks)
    for dry_run in (True, False):
        with pytest.raises(Locked, match="đã khóa"):
            scores.import_score_sheet(db, marks.teacher, path, dry_run=dry_run, on=IN_TERM_1)
    assert _changes(db) == before and _stored(db, marks) == stored
    gradebook.set_lock(db, principal, marks.year_id, locked=False, **kwargs)
    assert scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1).saved == 1


def test_a_subject_teacher_cannot_import_another_subjects_sheet(db, marks, tmp_path, people):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "D"): "T"})
    before = _changes(db)
    with pytest.raises(PermissionDenied):  # teaches Tiếng Việt in 4A, not Toán
        scores.import_score_sheet(db, marks.other_teacher, path, dry_run=False, on=IN_TERM_1)
    with pytest.raises(PermissionDenied):  # the secretary enters test scores only, never a class's levels
        scores.import_score_sheet(db, marks.clerk, path, dry_run=False, on=IN_TERM_1)
    assert _changes(db) == before
    # Their own subject's sheet goes through.
    own = tmp_path / "tv.xlsx"
    scores.export_score_sheet(db, marks.other_teacher, marks.class_id, marks.vietnamese, "CK1", own, on=IN_TERM_1)
    _edit(own, {("Đặng Thị Hoà", "D"): "H"})
    assert scores.import_score_sheet(db, marks.other_teacher, own, dry_run=False, on=IN_TERM_1).saved == 1


def test_reordered_rows_and_nfd_names_still_match(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    # Sorted by given name in Excel (Ánh, An, Hoà → reversed order) and Hoà's row typed again without its id,
    # her name in NFD (as macOS writes it) and a wrong STT.
    rows = [[sheet.cell(r, c).value for c in range(1, 8)] for r in (6, 7, 8)]
    an, anh, hoa = rows
    hoa = [9, unicodedata.normalize("NFD", "Đặng thị Hoà"), None, "T", 8, "Cố gắng", None]
    for r, values in zip((6, 7, 8), (hoa, anh, an)):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c).value = value
    book.save(path)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.refused == 0 and report.saved == 3
    assert _stored(db, marks)[marks.hoa] == ("HTT", 8, "Cố gắng")
    assert [r.status for r in report.rows] == ["changed", "unchanged", "unchanged"]


def test_renamed_row_still_matches_by_id_and_unknown_pupil_is_refused(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "B"): "Đặng Thị Thu Hoà", ("Đặng Thị Hoà", "E"): 7})
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.saved == 1 and _stored(db, marks)[marks.hoa][1] == 7
    assert "nhận theo mã học sinh" in report.rows[2].notes[0]
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    sheet["B9"], sheet["A9"], sheet["D9"] = "Trần Văn Khoa", 4, "T"
    book.save(path)
    before = _changes(db)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.refused == 1 and "Không có học sinh “Trần Văn Khoa” trong lớp" in report.rows[-1].errors[0].reason
    assert _changes(db) == before


def test_a_cell_changed_in_the_app_since_the_export_is_not_overwritten(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.an, "score", 10), CellEdit(marks.anh, "score", 6)], on=IN_TERM_1)
    _edit(path, {("Lê Thị Ánh", "E"): 7, ("Đặng Thị Hoà", "D"): "H"})
    before = _changes(db)
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    by_name = {r.full_name: r for r in report.rows}
    assert "sửa trong phần mềm sau khi xuất tệp" in by_name["Lê Thị Ánh"].errors[0].reason
    assert "giữ giá trị hiện tại" in by_name["Nguyễn Văn An"].notes[0]  # untouched in the file: kept
    assert not report.applied and _changes(db) == before
    # Without the conflicting cell the rest goes through and An keeps the app's 10.
    _edit(path, {("Lê Thị Ánh", "E"): None})
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.applied and _stored(db, marks)[marks.an][1] == 10 and _stored(db, marks)[marks.hoa][0] == "HT"


def test_clearing_a_cell_of_a_filled_sheet_clears_it_but_a_blank_sheet_never_does(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Nguyễn Văn An", "E"): None})
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.rows[0].changes == [scores.CellChange("score", 9, None)]
    assert _stored(db, marks)[marks.an] == ("HTT", None, "Tính nhanh")
    blank = _export(db, marks, tmp_path, blank=True)
    _edit(blank, {("Đặng Thị Hoà", "D"): "H"})
    report = scores.import_score_sheet(db, marks.teacher, blank, dry_run=False, on=IN_TERM_1)
    assert report.saved == 1
    assert _stored(db, marks) == {marks.an: ("HTT", None, "Tính nhanh"), marks.anh: ("HT", None, ""),
                                  marks.hoa: ("HT", None, "")}


def test_a_sheet_without_the_hidden_sheet_is_read_from_its_labels(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    book = openpyxl.load_workbook(path)
    del book[scores.META_SHEET]
    book[scores.DATA_SHEET].delete_cols(7)  # no id column either: names and STT
    book.save(path)
    _edit(path, {("Đặng Thị Hoà", "E"): 6, ("Nguyễn Văn An", "E"): None})
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.saved == 1  # An's emptied cell is "not filled" without the exported values: nothing cleared
    assert _stored(db, marks)[marks.hoa] == (None, 6, "") and _stored(db, marks)[marks.an][1] == 9


def test_comments_that_look_like_formulas_stay_text(db, marks, tmp_path):
    gradebook.save_subject_cells(db, marks.teacher, marks.class_id, marks.math, "CK1",
                                 [CellEdit(marks.anh, "comment", "=) Tiến bộ")], on=IN_TERM_1)
    path = _export(db, marks, tmp_path)
    assert openpyxl.load_workbook(path)[scores.DATA_SHEET]["F7"].value == "=) Tiến bộ"
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.refused == 0 and report.changed_cells == 0


def test_excel_formula_errors_are_reported(db, marks, tmp_path):
    path = _export(db, marks, tmp_path)
    _edit(path, {("Đặng Thị Hoà", "E"): "=1/0"})  # never calculated: openpyxl writes no cached value
    report = scores.import_score_sheet(db, marks.teacher, path, dry_run=False, on=IN_TERM_1)
    assert report.refused == 1 and "công thức" in report.rows[2].errors[0].reason


def test_not_a_score_sheet(db, marks, tmp_path):
    path = tmp_path / "khac.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Tên hàng", "Giá"])
    book.save(path)
    with pytest.raises(ValidationError, match="Không tìm thấy bảng điểm"):
        scores.import_score_sheet(db, marks.teacher, path, dry_run=True, on=IN_TERM_1)


# --- the secretary's grade import ----------------------------------------------------------------------

@pytest.fixture
def grade4(db, marks):
    marks.binh = pupils.add_pupil(db, SYSTEM, marks.class_4b, {"full_name": "Lê Văn Bình",
                                                                "date_of_birth": D(2016, 2, 2), "gender": "Nam"})
    return marks


def test_the_secretary_imports_a_whole_grade(db, grade4, tmp_path):
    m = grade4
    path = tmp_path / "khoi4.xlsx"
    scores.export_grade_score_sheet(db, m.clerk, m.year_id, 4, m.math, "CK1", path, on=IN_TERM_1)
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    assert sheet["A1"].value == "BẢNG ĐIỂM KIỂM TRA ĐỊNH KÌ MÔN TOÁN — KHỐI 4 — CUỐI HỌC KÌ I — NĂM HỌC 2026-2027"
    assert [sheet.cell(5, c).value for c in range(1, 7)] == ["STT", "Lớp", "Họ và tên", "Ngày sinh", "Điểm KTĐK",
                                                             "ID (không sửa)"]
    listed = [(sheet.cell(r, 2).value, sheet.cell(r, 3).value, sheet.cell(r, 5).value) for r in range(6, 10)]
    assert listed == [("4A", "Nguyễn Văn An", 9), ("4A", "Lê Thị Ánh", None), ("4A", "Đặng Thị Hoà", None),
                      ("4B", "Lê Văn Bình", None)]
    sheet["E7"], sheet["E8"], sheet["E9"] = 8, 5, 10
    book.save(path)
    before = _changes(db)
    report = scores.import_score_sheet(db, m.clerk, path, dry_run=True, on=IN_TERM_1)
    assert report.kind == "grade" and report.changed_cells == 3 and _changes(db) == before
    report = scores.import_grade_scores(db, m.clerk, path, m.year_id, 4, m.math, "CK1", dry_run=False, on=IN_TERM_1)
    assert report.applied and report.saved == 3 and report.refused == 0
    assert {r.class_name for r in report.rows if r.status == "changed"} == {"4A", "4B"}
    assert _stored(db, m)[m.hoa] == (None, 5, "")
    assert _changes(db) == before + 3


def test_a_hand_made_grade_sheet_with_merged_class_cells(db, grade4, tmp_path):
    m = grade4
    path = tmp_path / "diem-khoi-4.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["TRƯỜNG TIỂU HỌC NGUYỄN KHUYẾN"])
    sheet.append(["ĐIỂM KIỂM TRA CUỐI HỌC KÌ I — MÔN TOÁN — KHỐI 4"])
    sheet.append([])
    sheet.append(["STT", "Lớp", "Họ và tên học sinh", "Điểm"])
    sheet.append([1, "4A", "Nguyễn Văn An", 9])
    sheet.append([2, None, "Lê Thị Ánh", "7"])
    sheet.append([3, None, "Đặng Thị Hoà", None])
    sheet.append([1, "4b", "Lê Văn Bình", 6])
    sheet.merge_cells("B5:B7")
    book.save(path)
    report = scores.import_grade_scores(db, m.clerk, path, m.year_id, 4, m.math, "CK1", dry_run=False, on=IN_TERM_1)
    assert report.saved == 2 and [r.status for r in report.rows] == ["unchanged", "changed", "unchanged", "changed"]
    assert _stored(db, m)[m.anh] == ("HT", 7, "") and m.hoa not in _stored(db, m)
    # Wrong subject or milestone for the file's own target, and no test at all: refused before anything.
    with pytest.raises(ValidationError, match="không có bài kiểm tra định kì"):
        scores.import_grade_scores(db, m.clerk, path, m.year_id, 4, m.ethics, "CK1", dry_run=True, on=IN_TERM_1)


def test_grade_import_is_all_or_nothing_across_classes(db, grade4, tmp_path, principal):
    m = grade4
    path = tmp_path / "khoi4.xlsx"
    scores.export_grade_score_sheet(db, m.clerk, m.year_id, 4, m.math, "CK1", path, on=IN_TERM_1)
    book = openpyxl.load_workbook(path)
    sheet = book[scores.DATA_SHEET]
    sheet["E7"], sheet["E9"] = 8, 7
    book.save(path)
    gradebook.set_lock(db, principal, m.year_id, locked=True, class_id=m.class_4b, reason="Đã duyệt")
    before = _changes(db)
    report = scores.import_score_sheet(db, m.clerk, path, dry_run=False, on=IN_TERM_1)
    assert not report.applied and report.refused == 1
    binh = [r for r in report.rows if r.class_name == "4B"][0]
    assert "đã khóa" in binh.errors[0].reason
    assert _changes(db) == before  # 4A's valid score is not written either
    # A teacher without the grade right gets nothing through this path: each class's rows say why.
    report = scores.import_grade_scores(db, m.other_teacher, path, m.year_id, 4, m.math, "CK1", dry_run=False,
                                        on=IN_TERM_1)
    assert report.refused == 2 and all("không có quyền" in r.errors[0].reason for r in report.rows if r.errors)
    assert _changes(db) == before
    with pytest.raises(PermissionDenied):  # nor may a teacher of 4A alone read the whole grade
        scores.import_grade_scores(db, m.teacher, path, m.year_id, 4, m.math, "CK1", dry_run=True, on=IN_TERM_1)
