"""Month roll sheets in Excel: the layout, the round trip, and the import's all-or-nothing rules.

November 2026: 24/11 is a public holiday (Ngày Văn hóa Việt Nam); "today" is Monday 30/11.
"""

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import func, select

from nk_desktop.actor import SYSTEM
from nk_desktop.errors import ValidationError
from nk_desktop.exchange import attendance as sheet
from nk_desktop.models.attendance import AttendanceMark, RollCall
from nk_desktop.services import attendance, pupils
from nk_desktop.services.permissions import Role

D = dt.date
NOV_30 = D(2026, 11, 30)


@pytest.fixture
def klass(db, people):
    """4A: An, Bình (joined 16/11), Chi (left 20/11), Dũng; rolls on a few days, one day with two sessions."""
    class K:
        pass

    k = K()
    k.teacher = people.actors[Role.GV_CHU_NHIEM]
    k.class_id = people.class_4a

    def add(name, **kw):
        return pupils.add_pupil(db, SYSTEM, k.class_id, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                          "gender": "Nam"}, **kw)

    k.an, k.chi, k.dung = add("Nguyễn Văn An"), add("Lê Thị Chi"), add("Trần Văn Dũng")
    k.binh = add("Phạm Văn Bình", start_date=D(2026, 11, 16), start_reason="chuyen_den",
                 came_from="Trường Tiểu học Kim Đồng")
    pupils.transfer_out(db, SYSTEM, k.chi, D(2026, 11, 20), "Trường Tiểu học Lê Lợi")
    take = attendance.take_roll
    take(db, k.teacher, k.class_id, D(2026, 11, 2), "sang", {k.an: ("K", "")}, on=NOV_30)
    take(db, k.teacher, k.class_id, D(2026, 11, 3), "sang", {k.an: ("P", "Ốm"), k.dung: ("M", "")}, on=NOV_30)
    take(db, k.teacher, k.class_id, D(2026, 11, 3), "chieu", {k.an: ("P", "Ốm"), k.chi: ("K", "")}, on=NOV_30)
    take(db, k.teacher, k.class_id, D(2026, 11, 16), "sang", {k.binh: ("M", "Xe hỏng")}, on=NOV_30)
    take(db, k.teacher, k.class_id, D(2026, 11, 17), "sang", {}, on=NOV_30)
    return k


def export(db, k, tmp_path, name="4A-11.xlsx"):
    return sheet.export_month(db, k.teacher, k.class_id, "2026-11", tmp_path / name, on=NOV_30)


def edit(path, changes, *, drop_meta=False):
    """Set cells by (pupil name, day) → text; returns the path."""
    book = openpyxl.load_workbook(path)
    data = book[sheet.DATA_SHEET]
    rows = {data.cell(r, 2).value: r for r in range(sheet.FIRST_ROW, data.max_row + 1) if data.cell(r, 2).value}
    for (name, day), text in changes.items():
        data.cell(rows[name], sheet.FIRST_DAY_COLUMN + day - 1).value = text
    if drop_meta:
        del book[sheet.META_SHEET]
        data.delete_cols(data.max_column)  # the hidden ID column
    book.save(path)
    return path


def state(db):
    """Every roll and mark, as comparable tuples."""
    with db.read() as session:
        rolls = sorted((str(d), s) for d, s in session.execute(
            select(RollCall.day, RollCall.session).where(RollCall.deleted.is_(False))))
        marks = sorted((str(d), str(p), s, r) for d, p, s, r in session.execute(
            select(AttendanceMark.day, AttendanceMark.pupil_id, AttendanceMark.status, AttendanceMark.reason)
            .where(AttendanceMark.deleted.is_(False), AttendanceMark.status != "")))
        journal = session.scalar(select(func.count()).select_from(AttendanceMark))
    return rolls, marks, journal


def cells(db, k, day):
    rolls = attendance.roll_days(db, k.teacher, k.class_id, day, day, on=NOV_30).days[day]
    return {p: sheet.cell_text(rolls, p) for p in (k.an, k.binh, k.chi, k.dung)}


def test_the_sheet_has_the_roll_book_layout(db, klass, tmp_path):
    path = export(db, klass, tmp_path)
    book = openpyxl.load_workbook(path)
    data = book[sheet.DATA_SHEET]
    assert data.cell(1, 1).value == "SỔ ĐIỂM DANH LỚP 4A — THÁNG 11/2026"
    assert data.cell(sheet.INFO_ROW, 1).value.startswith("Lớp: 4A — Tháng: 11/2026 — Năm học: 2026-2027")
    header = [data.cell(sheet.HEADER_ROW, c).value for c in range(1, data.max_column + 1)]
    assert header[:2] == ["STT", "Họ và tên"] and header[2:32] == list(range(1, 31))
    assert header[32:] == ["P", "K", "M", "Ghi chú", "ID (không sửa)"]
    day_column = {d: sheet.FIRST_DAY_COLUMN + d - 1 for d in range(1, 31)}
    below = {d: data.cell(sheet.WEEKDAY_ROW, c).value for d, c in day_column.items()}
    assert below[30] == "T2" and below[24] == "nghỉ" and below[28] == "nghỉ" and below[1] == "nghỉ"
    assert data.cell(sheet.WEEKDAY_ROW, day_column[24]).comment.text == "Ngày Văn hóa Việt Nam"
    assert data.cell(sheet.FIRST_ROW, day_column[24]).fill.fgColor.rgb.endswith("D9D9D9")
    names = [data.cell(r, 2).value for r in range(sheet.FIRST_ROW, sheet.FIRST_ROW + 4)]
    assert names == ["Nguyễn Văn An", "Phạm Văn Bình", "Lê Thị Chi", "Trần Văn Dũng"]
    an, binh, chi, dung = (sheet.FIRST_ROW + n for n in range(4))
    assert data.cell(an, day_column[2]).value == "K" and data.cell(an, day_column[3]).value == "P"
    assert data.cell(an, day_column[3]).comment.text == "Sáng: Ốm\nChiều: Ốm"
    assert data.cell(dung, day_column[3]).value == "M/" and data.cell(chi, day_column[3]).value == "/K"
    assert data.cell(binh, day_column[13]).value == "-" and data.cell(binh, day_column[16]).value == "M"
    assert data.cell(chi, day_column[20]).value == "-" and data.cell(an, day_column[4]).value is None
    assert [data.cell(an, c).value for c in range(33, 36)] == [2, 1, 0]  # P in two sessions, K, no M
    assert data.column_dimensions["AK"].hidden  # the pupil ids
    assert book[sheet.META_SHEET].sheet_state == "hidden"


def test_a_round_trip_changes_nothing(db, klass, tmp_path):
    before = state(db)
    report = sheet.import_month(db, klass.teacher, export(db, klass, tmp_path), on=NOV_30)
    assert (report.refused_days, report.changed_days, report.saved, report.applied) == (0, 0, 0, False)
    assert report.count("unchanged") == 4 and report.lines()[-1] == "Không có gì để ghi."
    assert state(db) == before


def test_changes_are_applied_day_by_day_keeping_reasons(db, klass, tmp_path):
    path = edit(export(db, klass, tmp_path), {
        ("Nguyễn Văn An", 2): None,        # K cleared: present
        ("Nguyễn Văn An", 3): "K",         # P/P → K/K: the reason "Ốm" goes with the letter
        ("Trần Văn Dũng", 3): "M",         # M/ → M/M
        ("Phạm Văn Bình", 17): "p",        # lower case is fine
        ("Trần Văn Dũng", 18): "K/P",      # no roll yet that day: both sessions are taken
        ("Phạm Văn Bình", 16): "M",        # unchanged: keeps "Xe hỏng"
    })
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert report.refused_days == 0 and report.applied, report.lines()
    assert [d.day.day for d in report.days] == [2, 3, 17, 18]
    assert report.days[-1].sessions == ("sang", "chieu")
    assert cells(db, klass, D(2026, 11, 2))[klass.an] == ""
    assert cells(db, klass, D(2026, 11, 3)) == {klass.an: "K", klass.binh: "-", klass.chi: "/K", klass.dung: "M"}
    assert cells(db, klass, D(2026, 11, 18))[klass.dung] == "K/P"
    days = attendance.roll_days(db, klass.teacher, klass.class_id, D(2026, 11, 3), D(2026, 11, 17), on=NOV_30).days
    assert days[D(2026, 11, 3)].marks[(klass.an, "sang")] == ("K", "")
    assert days[D(2026, 11, 16)].marks[(klass.binh, "sang")] == ("M", "Xe hỏng")
    assert days[D(2026, 11, 17)].marks == {(klass.binh, "sang"): ("P", "")}
    dung = next(r for r in report.rows if r.full_name == "Trần Văn Dũng")
    assert [(c.day, c.old, c.new) for c in dung.changes] == [(3, "M/", "M"), (18, "", "K/P")]
    # And once more: now nothing changes.
    again = sheet.import_month(db, klass.teacher, export(db, klass, tmp_path, "again.xlsx"), on=NOV_30)
    assert again.changed_days == 0 and again.refused_days == 0


def test_a_mark_on_a_holiday_refuses_the_whole_file(db, klass, tmp_path):
    before = state(db)
    path = edit(export(db, klass, tmp_path), {("Nguyễn Văn An", 24): "K", ("Trần Văn Dũng", 25): "P"})
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert report.refused_days == 1 and report.changed_days == 1 and not report.applied
    refused = next(d for d in report.days if d.refused)
    assert refused.day == D(2026, 11, 24) and "ngày nghỉ (Ngày Văn hóa Việt Nam)" in refused.refused
    assert "Không ghi gì: có 1 ngày bị từ chối; sửa tệp rồi nhập lại." in report.lines()
    assert state(db) == before  # not even 25/11, which alone would have been fine


def test_a_closed_month_is_refused(db, klass, tmp_path):
    path = edit(export(db, klass, tmp_path), {("Nguyễn Văn An", 4): "P"})
    attendance.confirm_month(db, klass.teacher, klass.class_id, "2026-11", on=NOV_30)
    before = state(db)
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert report.refused_days == 1 and "đã chốt" in report.days[0].refused
    assert state(db) == before
    # An unchanged sheet of a closed month is fine: there is nothing to write.
    assert sheet.import_month(db, klass.teacher, export(db, klass, tmp_path, "b.xlsx"), on=NOV_30).refused_days == 0


def test_a_dry_run_writes_nothing(db, klass, tmp_path):
    before = state(db)
    path = edit(export(db, klass, tmp_path), {("Nguyễn Văn An", 4): "P", ("Lê Thị Chi", 5): "K"})
    report = sheet.import_month(db, klass.teacher, path, dry_run=True, on=NOV_30)
    assert report.changed_days == 2 and report.refused_days == 0 and not report.applied
    assert report.lines()[-1] == "Chạy thử: chưa ghi gì; 2 ngày sẽ được ghi."
    assert state(db) == before
    assert sheet.import_month(db, klass.teacher, path, on=NOV_30).applied
    assert cells(db, klass, D(2026, 11, 5))[klass.chi] == "K"


def test_cells_the_roll_book_cannot_hold_are_refused(db, klass, tmp_path):
    before = state(db)
    path = edit(export(db, klass, tmp_path), {
        ("Phạm Văn Bình", 10): "K",    # not in the class yet
        ("Lê Thị Chi", 10): "-",       # in the class that day
        ("Trần Văn Dũng", 11): "V",    # not a roll-book letter
        ("Nguyễn Văn An", 12): "K/P/M",
        ("Trần Văn Dũng", 30): "K",    # fine on its own
    })
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert {d.day.day for d in report.days if d.refused} == {10, 11, 12} and not report.applied
    errors = {(r.full_name, e.day): e.reason for r in report.rows for e in r.errors}
    assert "không thuộc lớp 4A ngày 10/11/2026" in errors[("Phạm Văn Bình", 10)]
    assert "“-”" in errors[("Lê Thị Chi", 10)] and "kí hiệu điểm danh" in errors[("Trần Văn Dũng", 11)]
    assert "nhiều hơn hai buổi" in errors[("Nguyễn Văn An", 12)]
    assert state(db) == before


def test_only_the_homeroom_teacher_imports_and_future_days_wait(db, klass, tmp_path, principal):
    path = edit(export(db, klass, tmp_path), {("Nguyễn Văn An", 4): "P"})
    report = sheet.import_month(db, principal, path, on=NOV_30)
    assert report.refused_days == 1 and "chỉ giáo viên chủ nhiệm" in report.days[0].refused
    early = sheet.import_month(db, klass.teacher, path, on=D(2026, 11, 3))
    assert early.refused_days == 1 and "Chưa đến ngày 04/11/2026" in early.days[0].refused


def test_rows_are_matched_by_name_without_the_hidden_sheet(db, klass, tmp_path):
    path = edit(export(db, klass, tmp_path), {("Nguyễn Văn An", 6): "M"}, drop_meta=True)
    book = openpyxl.load_workbook(path)
    book[sheet.DATA_SHEET].cell(sheet.FIRST_ROW + 5, 2, "Hoàng Thị Em")  # a pupil the class does not have
    book[sheet.DATA_SHEET].cell(sheet.FIRST_ROW + 5, sheet.FIRST_DAY_COLUMN + 8, "K")
    book.save(path)
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert [d.day.day for d in report.days if d.refused] == [9]
    stranger = next(r for r in report.rows if r.full_name == "Hoàng Thị Em")
    assert "không có học sinh “Hoàng Thị Em”" in stranger.errors[0].reason
    book[sheet.DATA_SHEET].cell(sheet.FIRST_ROW + 5, sheet.FIRST_DAY_COLUMN + 8).value = None
    book.save(path)
    report = sheet.import_month(db, klass.teacher, path, on=NOV_30)
    assert report.applied and cells(db, klass, D(2026, 11, 6))[klass.an] == "M"


def test_a_file_that_is_not_a_roll_sheet(db, klass, tmp_path):
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Họ và tên", "Ngày sinh"])
    book.save(path)
    with pytest.raises(ValidationError, match="Không tìm thấy bảng điểm danh"):
        sheet.import_month(db, klass.teacher, path, on=NOV_30)
