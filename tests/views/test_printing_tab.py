"""The "In sổ" tab: choose, preview (QtPdf), print through an injected printer, save PDF, the whole school
off the UI thread with cancel, the print log and the principal's queue.

Real services on a database in tmp_path; "today" is Monday 30/11/2026.  No dialog is exec()'d: file
names, folders and the printer come from injected functions.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from nk_desktop.actor import SYSTEM, Actor
from nk_desktop.db import open_database
from nk_desktop.services import accounts, attendance, books, gradebook, pupils, school, staff
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Action, Role
from nk_desktop.views import registry
from nk_desktop.views.printing import PrintingTab
from nk_desktop.views.printing.pdf import paint_documents

D = dt.date
NOV_30 = D(2026, 11, 30)
PASSWORD = "matkhau123"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """4A (homeroom Cô Lan, who teaches Toán there) with three pupils and a roll in November; 4B with one."""
    path = tmp_path_factory.mktemp("printing") / "t.sqlite"
    db = open_database(path)
    from nk_desktop.services.setup import init_school

    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, place_name="Cầu Đất", on=NOV_30)
    with db.read() as session:
        year = school.current_year(session, NOV_30)
        math = school.subject_by_name(session, "Toán").id
    people = {}
    for username, given, role in (("gvcn4a", "Lan", Role.GV_CHU_NHIEM), ("vanthu", "Hoa", Role.VAN_THU)):
        people[username] = staff.create_staff(db, SYSTEM, family_name="Trần", middle_name="Thị", given_name=given,
                                              gender="Nữ")
        accounts.create_account(db, SYSTEM, username=username, staff_id=people[username], roles=[role],
                                password=PASSWORD, must_change=False)
    class_4a = school.create_class(db, SYSTEM, year.id, "4A", homeroom_id=people["gvcn4a"])
    class_4b = school.create_class(db, SYSTEM, year.id, "4B")
    school.assign_teacher(db, SYSTEM, class_4a, math, people["gvcn4a"])
    ids = {name: pupils.add_pupil(db, SYSTEM, class_4a, {"full_name": name, "date_of_birth": D(2016, 5, 5),
                                                         "gender": gender})
           for name, gender in (("Đặng Thị Hoà", "Nữ"), ("Nguyễn Văn An", "Nam"), ("Lê Thị Ánh", "Nữ"))}
    pupils.add_pupil(db, SYSTEM, class_4b, {"full_name": "Vũ Minh Châu", "date_of_birth": D(2016, 8, 9),
                                            "gender": "Nữ"})
    actors = {name: accounts.login(db, name, PASSWORD).actor for name in ("hieutruong", "gvcn4a", "vanthu")}
    attendance.take_roll(db, actors["gvcn4a"], class_4a, D(2026, 11, 4), "sang",
                         {ids["Nguyễn Văn An"]: ("P", "Ốm")}, on=NOV_30)
    gradebook.save_subject_cells(db, SYSTEM, class_4a, math, "CK1", [
        CellEdit(ids["Nguyễn Văn An"], "level", "T"), CellEdit(ids["Nguyễn Văn An"], "score", 9)], on=NOV_30)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path, SimpleNamespace(year=year, class_4a=class_4a, class_4b=class_4b, actors=actors, ids=ids)


@pytest.fixture
def data(template, tmp_path, monkeypatch):
    path, built = template
    copy = tmp_path / "t.sqlite"
    shutil.copy(path, copy)
    monkeypatch.setattr("nk_desktop.clock.today", lambda: NOV_30)
    database = open_database(copy)
    yield SimpleNamespace(db=database, path=copy, **vars(built))
    database.dispose()


class Injected:
    """The file dialogs and the printer: record what was asked, answer with the given values."""

    def __init__(self, tmp_path: Path, *, printed: bool = True):
        self.tmp_path = tmp_path
        self.printed = printed
        self.saved_as: list[str] = []
        self.folders: list[str] = []
        self.jobs: list[list[tuple[str, bytes]]] = []
        self.answer_path: str | None = str(tmp_path / "ban-in.pdf")

    def save_path(self, parent, title, suggested):
        self.saved_as.append(suggested)
        return self.answer_path

    def directory(self, parent, title):
        folder = self.tmp_path / "ca-truong"
        folder.mkdir(exist_ok=True)
        self.folders.append(str(folder))
        return str(folder)

    def printer(self, parent, documents):
        self.jobs.append(list(documents))
        return self.printed


def make_tab(qtbot, data, username="vanthu", injected=None) -> PrintingTab:
    injected = injected or Injected(data.path.parent)
    tab = PrintingTab(data.db, data.actors[username], today=lambda: NOV_30, ask_save_path=injected.save_path,
                      ask_directory=injected.directory, print_function=injected.printer)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    tab.injected = injected
    return tab


def wait(qtbot, operation):
    qtbot.waitUntil(lambda: not operation.running, timeout=30000)


def _log(data):
    with sqlite3.connect(data.path) as conn:
        return conn.execute("SELECT kind, period, pages, state FROM print_record ORDER BY printed_at").fetchall()


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


# --- choosing ---------------------------------------------------------------------------------

def test_the_tab_is_registered_for_who_prints():
    spec = next(s for s in registry.TABS if s.key == "printing")
    assert (spec.title, spec.actions) == ("In sổ", (Action.BOOKS_PRINT,))

    def actor(role):
        return Actor(account_id=uuid.uuid4(), username="x", display_name="x", roles=frozenset({role.value}))

    seen = {role for role in Role if spec.visible_to(actor(role))}
    assert seen == {Role.HIEU_TRUONG, Role.PHO_HIEU_TRUONG, Role.QUAN_TRI_CSDL, Role.VAN_THU, Role.GV_CHU_NHIEM,
                    Role.GV_BO_MON}


def test_pages_classes_and_choices_follow_the_role_and_the_document(qtbot, data):
    principal = make_tab(qtbot, data, "hieutruong")
    assert principal.page_titles() == ["In sổ", "Sổ đã in", "Chờ Hiệu trưởng kí"]
    clerk = make_tab(qtbot, data, "vanthu")
    assert clerk.page_titles() == ["In sổ", "Sổ đã in"]
    page = clerk.print_page
    assert [page.class_list.item(r).text() for r in range(page.class_list.count())] == ["4A", "4B"]
    assert page.checked_classes() == [data.class_4a] and page.year_combo.currentText() == "2026-2027"
    assert page.month_combo.currentData() == "2026-10"  # last month's sheets are printed this week
    assert page.milestone_combo.currentData() == "CK1" and page.term_combo.currentData() == 1
    page.set_kind("tong_hop")
    assert page.milestone_combo.isVisible() and not page.month_combo.isVisible()
    page.set_kind("so_goi_ten_thang")
    assert page.month_combo.isVisible() and page.paper_combo.isVisible() and not page.milestone_combo.isVisible()
    page.set_kind("so_diem_ca_nhan")
    assert page.teacher_combo.isVisible() and not page.class_list.isVisible()
    assert page.teacher_combo.itemText(0) == "Tất cả giáo viên được phân công (1)"
    page.set_kind("danh_sach_lop")
    page.all_check.setChecked(True)
    assert page.checked_classes() == [data.class_4a, data.class_4b] and page.mode_combo.isVisible()
    page.set_kind("so_goi_ten_ghi_diem")
    assert not page.mode_combo.isEnabled() and page.mode_combo.currentData() == "each"
    teacher = make_tab(qtbot, data, "gvcn4a").print_page
    assert [teacher.class_list.item(r).text() for r in range(teacher.class_list.count())] == ["4A"]
    teacher.set_kind("so_diem_ca_nhan")
    assert [teacher.teacher_combo.itemText(i) for i in range(teacher.teacher_combo.count())] == ["Cô Lan"]


# --- one class: preview, print, save ---------------------------------------------------------------

def test_preview_then_print_records_the_print(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.show_preview()
    assert page.preview.page_count() == 1 and page.document.title == "Danh sách học sinh lớp 4A"
    assert page.preview.info_label.text() == "Danh sách học sinh lớp 4A — 1 trang"
    assert page.preview.loaded.ready
    text = _pages(page.document.pdf)[0]
    assert text.index("Nguyễn Văn An") < text.index("Lê Thị Ánh") < text.index("Đặng Thị Hoà")
    page.print_selection()
    [[(title, pdf)]] = tab.injected.jobs
    assert title == "Danh sách học sinh lớp 4A" and pdf == page.document.pdf
    assert _log(data) == [("danh_sach_lop", "", 1, "printed")]
    assert "Đã gửi 1 bản in tới máy in (1 trang)" in page.notice_label.text()
    tab.show_page(tab.log_page)
    assert tab.log_page.model.rowCount() == 1
    assert tab.log_page.model.index(0, 2).data() == "Danh sách học sinh lớp 4A"
    assert tab.log_page.model.index(0, 7).data() == "Đã in (chờ giáo viên kí)"


def test_a_cancelled_printer_dialog_records_nothing(qtbot, data):
    tab = make_tab(qtbot, data, injected=Injected(data.path.parent, printed=False))
    page = tab.print_page
    page.set_kind("tong_hop")
    page.print_selection()
    assert len(tab.injected.jobs) == 1 and _log(data) == [] and page.notice_label.text() == "Chưa in."


def test_save_one_pdf_and_the_term_book_on_a3(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.set_kind("so_goi_ten_ghi_diem")
    page._select(page.paper_combo, "A3")
    page.save_selection()
    assert tab.injected.saved_as == ["so-goi-ten-ghi-diem-4A-HK1.pdf"]
    written = Path(tab.injected.answer_path).read_bytes()
    reader = PdfReader(io.BytesIO(written))
    assert round(float(reader.pages[0].mediabox.width)) == 1191
    pages = _pages(written)
    assert "BẢN NHÁP" in pages[1] and f"Bản in này có {len(pages)} trang" in pages[1]  # marks still missing
    assert _log(data) == [("so_goi_ten_ghi_diem", "HK1", len(pages), "printed")]


def test_errors_show_on_the_page(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.check_classes([])
    page.show_preview()
    assert page.notice_label.text() == "Hãy chọn ít nhất một lớp (hoặc một giáo viên)."
    page.check_classes(["4B"])
    page.set_kind("hoc_ba")
    page.show_preview()
    assert not page.notice_label.isVisible() and page.preview.page_count() == 2  # Châu: identity page + 2026-2027
    page.set_kind("thong_bao")
    page.month_combo.setCurrentIndex(page.month_combo.count() - 1)  # a month with no roll yet: still one notice
    page.show_preview()
    assert page.preview.page_count() == 1 and "đi học 0/0 buổi" in _pages(page.document.pdf)[0]



def test_hoc_ba_of_one_pupil_chosen_in_the_centre(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.set_kind("hoc_ba")
    assert page.pupil_combo.isVisible() and not page.request_combo.isVisible()
    assert [page.pupil_combo.itemText(i) for i in range(page.pupil_combo.count())] == [
        "Cả lớp (mỗi học sinh một cuốn)", "1. Nguyễn Văn An (05/05/2016)", "2. Lê Thị Ánh (05/05/2016)",
        "3. Đặng Thị Hoà (05/05/2016)"]
    page.set_pupil(data.ids["Lê Thị Ánh"])
    page.show_preview()
    assert page.preview.page_count() == 2 and page.document.title == "Học bạ — Lê Thị Ánh"
    assert "Lê Thị Ánh" in _pages(page.document.pdf)[0] and "Nguyễn Văn An" not in " ".join(_pages(page.document.pdf))
    page.save_selection()
    assert tab.injected.saved_as == ["hoc-ba-Le-Thi-Anh-2026-2027.pdf"]
    with sqlite3.connect(data.path) as conn:
        [(kind, pupil, klass)] = conn.execute("SELECT kind, pupil_id, class_id FROM print_record").fetchall()
    assert (kind, pupil, klass) == ("hoc_ba", data.ids["Lê Thị Ánh"].hex, data.class_4a.hex)
    page.check_classes(["4A", "4B"])  # several classes: the pupil choice goes, every class's books are made
    assert page.pupil_combo.count() == 1 and not page.pupil_combo.isEnabled() and len(page.requests()) == 2


def test_correction_minutes_chosen_in_the_centre(qtbot, data):
    from nk_desktop.services import corrections

    tab = make_tab(qtbot, data, "hieutruong")
    page = tab.print_page
    page.set_kind("bien_ban")
    assert page.request_combo.isVisible() and not page.class_list.isVisible()
    assert page.request_combo.currentData() is None and page.requests() == []
    page.show_preview()
    assert page.notice_label.text() == "Chưa có biên bản sửa điểm nào để in trong năm học này."
    with data.db.read() as session:
        math = school.subject_by_name(session, "Toán").id
    request = corrections.request_correction(
        data.db, data.actors["gvcn4a"], class_id=data.class_4a, pupil_id=data.ids["Nguyễn Văn An"], milestone="GK1",
        field="level", new_value="T", reason="Cộng nhầm điểm bài kiểm tra", subject_id=math, on=NOV_30,
        evidence=[("so_ca_nhan", "so.jpg", b"\xff\xd8"), ("bai_kiem_tra", "bai.pdf", b"%PDF-1.4")])
    page._year_changed()
    page.set_kind("bien_ban")
    assert page.request_combo.currentText().startswith("4A — Nguyễn Văn An — Toán — Mức đạt được (GK1)")
    page.set_request(request)
    page.show_preview()
    assert page.document.title == "Biên bản sửa chữa điểm — Nguyễn Văn An — Toán"
    text = " ".join(_pages(page.document.pdf))
    assert "Cộng nhầm điểm bài kiểm tra" in text and "bai.pdf" in text
    page.print_selection()
    with sqlite3.connect(data.path) as conn:
        assert conn.execute("SELECT kind, class_id FROM print_record").fetchall() == [("bien_ban", data.class_4a.hex)]


# --- the whole school ------------------------------------------------------------------------------

def test_whole_school_one_file_per_class_off_the_ui_thread(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.all_check.setChecked(True)
    operation = page.save_selection()
    assert operation is not None
    wait(qtbot, operation)
    folder = Path(tab.injected.folders[0])
    assert sorted(p.name for p in folder.iterdir()) == ["danh-sach-lop-4A-2026-2027.pdf",
                                                        "danh-sach-lop-4B-2026-2027.pdf"]
    assert "Vũ Minh Châu" in _pages((folder / "danh-sach-lop-4B-2026-2027.pdf").read_bytes())[0]
    assert len(_log(data)) == 2 and page.notice_label.text().startswith("Đã lưu 2 tệp PDF vào")


def test_whole_school_bound_in_one_file(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.set_kind("tong_hop")
    page.all_check.setChecked(True)
    page._select(page.mode_combo, "bound")
    operation = page.show_preview()
    wait(qtbot, operation)
    assert page.preview.page_count() == 2 and page.document.filename == "tong-hop-ca-truong-CK1.pdf"
    pages = _pages(page.document.pdf)
    assert "Lớp 4A — Cuối học kì I" in pages[0] and "Lớp 4B — Cuối học kì I" in pages[1]
    assert all("Xác nhận của giáo viên bộ môn" in p for p in pages)
    page.save_selection()
    assert Path(tab.injected.answer_path).read_bytes() == page.document.pdf
    assert _log(data) == [("tong_hop", "CK1", 2, "printed")] * 2  # one record per class the file covers
    with sqlite3.connect(data.path) as conn:
        covered = conn.execute("SELECT c.name, p.title FROM print_record p JOIN school_class c "
                               "ON c.id = p.class_id ORDER BY c.name").fetchall()
    assert [name for name, _title in covered] == ["4A", "4B"] and all(f"lớp {n}" in t for n, t in covered)
    page.print_selection()
    assert len(tab.injected.jobs[0]) == 1 and len(_log(data)) == 4


def test_whole_school_batch_can_be_cancelled_between_classes(qtbot, data, monkeypatch):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.all_check.setChecked(True)
    entered, release = threading.Event(), threading.Event()
    real = books.render_document

    def slow(db, actor, request):
        entered.set()
        release.wait(10)
        return real(db, actor, request)

    monkeypatch.setattr(books, "render_document", slow)
    operation = page.save_selection()
    qtbot.waitUntil(entered.is_set)  # the first class is being laid out
    operation.cancel()
    release.set()
    wait(qtbot, operation)
    assert page.notice_label.text() == "Đã hủy; 1 tệp đã lưu trước khi hủy."
    assert len(list(Path(tab.injected.folders[0]).iterdir())) == 1 and len(_log(data)) == 1


def test_whole_school_print_sends_every_class_to_the_printer(qtbot, data):
    tab = make_tab(qtbot, data)
    page = tab.print_page
    page.set_kind("so_goi_ten_thang")
    page._select(page.month_combo, "2026-11")
    page.all_check.setChecked(True)
    operation = page.print_selection()
    wait(qtbot, operation)
    [job] = tab.injected.jobs
    assert [title for title, _pdf in job] == ["Sổ gọi tên (tờ tháng) lớp 4A — 2026-11",
                                              "Sổ gọi tên (tờ tháng) lớp 4B — 2026-11"]
    assert "P" in _pages(job[0][1])[0] and len(_log(data)) == 2


# --- the paper's way: log and queue -------------------------------------------------------------------

def test_the_log_and_the_principals_queue(qtbot, data):
    clerk = make_tab(qtbot, data, "vanthu")
    clerk.print_page.print_selection()
    clerk.show_page(clerk.log_page)
    log = clerk.log_page
    assert not log.principal_button.isVisible() and not log.teachers_button.isEnabled()
    log.select_row(0)
    assert log.teachers_button.isEnabled() and not log.archive_button.isEnabled()
    log.teachers_button.click()
    assert log.model.index(0, 7).data() == "Giáo viên đã kí (chờ Hiệu trưởng kí)"
    assert "Đã ghi “Giáo viên đã kí”" in log.notice_label.text()

    principal = make_tab(qtbot, data, "hieutruong")
    queue = principal.show_page(principal.queue_page)
    assert queue.model.rowCount() == 1 and queue.model.index(0, 2).data() == "Danh sách học sinh lớp 4A"
    queue.select_row(0)
    assert queue.principal_button.isEnabled() and not queue.teachers_button.isEnabled()
    queue.principal_button.click()
    assert queue.model.rowCount() == 0
    log.load()
    log.select_row(0)
    assert log.archive_button.isEnabled()
    log.archive_button.click()
    assert _log(data) == [("danh_sach_lop", "", 1, "archived")]


# --- painting onto a printer ------------------------------------------------------------------------

def test_pages_are_painted_at_their_own_size_and_orientation(qtbot, data, tmp_path):
    portrait = books.render_document(data.db, data.actors["vanthu"], books.PrintRequest(
        "danh_sach_lop", data.year.id, class_id=data.class_4a, on=NOV_30))
    landscape = books.render_document(data.db, data.actors["vanthu"], books.PrintRequest(
        "so_goi_ten_thang", data.year.id, class_id=data.class_4a, month="2026-11"))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(72)
    assert paint_documents(printer, [("a", portrait.pdf), ("b", landscape.pdf)]) == 2
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in PdfReader(str(tmp_path / "printed.pdf")).pages]
    assert sizes == [(595, 842), (842, 595)]


@pytest.mark.skipif(not os.environ.get("NK_SCREENSHOTS"), reason="screenshots only on request (NK_SCREENSHOTS=1)")
def test_screenshots(qtbot, data):
    """docs/screenshots/print-*.png for review: the centre with a preview, the whole school, the queue."""
    tab = make_tab(qtbot, data, "hieutruong")
    page = tab.print_page
    page.set_kind("so_goi_ten_thang")
    page._select(page.month_combo, "2026-11")
    page.show_preview()
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(SHOTS / "print-centre.png"))
    page.set_kind("tong_hop")
    page.all_check.setChecked(True)
    page._select(page.mode_combo, "bound")
    wait(qtbot, page.show_preview())
    qtbot.wait(300)
    assert tab.grab().save(str(SHOTS / "print-whole-school.png"))
    page.print_selection()
    tab.log_page.load()
    tab.log_page.select_row(0)
    tab.log_page.teachers_button.click()
    tab.show_page(tab.queue_page)
    tab.queue_page.select_row(0)
    assert tab.grab().save(str(SHOTS / "print-queue.png"))
