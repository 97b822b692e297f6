"""The sync screens on a real temporary share made by the services (share init, join): the status corner,
Đồng bộ ngay off the UI thread with its messages, the join and init wizards, the conflict queue and the
quarantine list.  Dialogs are opened with open(), answers injected; nothing calls exec()."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from nk_desktop.db import Database, open_database
from nk_desktop.models.gradebook import SubjectResult
from nk_desktop.services import accounts, gradebook
from nk_desktop.services.setup import init_school
from nk_desktop.sync import engine, keys
from nk_desktop.sync.share import Share
from nk_desktop.views.app_shell.main_window import MainWindow
from nk_desktop.views.common.background import Cancelled
from nk_desktop.views.sync import controller as sync_controller
from nk_desktop.views.sync.controller import make_share
from tests.sync.conftest import KEY, NAMES, Net, build_network, copy_network, write_orm

PASSWORD = "matkhau123"


@pytest.fixture(scope="module")
def network_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync-views-network")
    return folder, build_network(folder)


@pytest.fixture
def net(network_template, tmp_path):
    folder, ids = network_template
    copy_network(folder, tmp_path / "net")
    network = Net(tmp_path / "net", ids)
    for name in NAMES:  # the copies point at this test's share, not the template's
        with network[name].db.engine.execution_options(nk_write=True).begin() as conn:
            conn.exec_driver_sql("UPDATE local_state SET value = ? WHERE key = 'sync_share'",
                                 (str(network.share_root),))
    yield network
    network.close()


@pytest.fixture
def ids(network_template):
    return network_template[1]


@pytest.fixture(autouse=True)
def no_session_key():
    sync_controller.SESSION.clear()
    yield
    sync_controller.SESSION.clear()


@pytest.fixture
def fresh(tmp_path):
    db = open_database(tmp_path / "moi" / "may-moi.sqlite")
    init_school(db, "Trường Tiểu học Nguyễn Khuyến", PASSWORD, on=dt.date(2026, 11, 29))
    actor = accounts.login(db, "hieutruong", PASSWORD).actor
    yield db, actor
    db.dispose()


class Said:
    def __init__(self):
        self.infos, self.errors, self.questions = [], [], []

    def inform(self, _parent, text):
        self.infos.append(text)

    def fail(self, _parent, text):
        self.errors.append(str(text))

    def confirm(self, _parent, text):
        self.questions.append(text)
        return True


def window_for(qtbot, tmp_path, db: Database, actor, said: Said) -> MainWindow:
    window = MainWindow(db, actor, tabs=(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    ui = window.sync_ui
    for timer in ui.controller.timers:
        timer.stop()
    ui.controller._inform, ui.controller._fail, ui._inform, ui._confirm = said.inform, said.fail, said.inform, \
        said.confirm
    return window


def wait_refreshed(qtbot, ui):
    """A fresh status is in: one running already (after a sync, say) is waited for first, since ``refresh``
    starts none while another runs, then one is gathered now."""
    running = ui.controller.refreshing
    if running is not None:
        qtbot.waitUntil(lambda: not running.running, timeout=20000)
    operation = ui.controller.refresh()
    if operation is not None:
        qtbot.waitUntil(lambda: not operation.running, timeout=20000)


# --- not joined: the corner says so and offers the wizard ------------------------------------------------

def test_a_pc_that_has_not_joined_shows_chua_dong_bo_and_offers_the_wizard(qtbot, tmp_path, fresh):
    db, actor = fresh
    said = Said()
    window = window_for(qtbot, tmp_path, db, actor, said)
    ui = window.sync_ui
    assert window.status_bar.sync_widget is ui.widget
    assert ui.widget.summary.text() == "Chưa đồng bộ" and ui.widget.sync_button.text() == "Tham gia…"
    assert not ui.sync_action.isEnabled() and ui.join_action.isEnabled() and ui.init_action.isEnabled()
    ui.widget.sync_button.click()
    wizard = ui.dialog
    assert wizard.isVisible() and wizard.mode == "join"
    wizard.reject()


def test_the_folder_page_refuses_what_is_not_an_nk_sync_folder(qtbot, tmp_path, fresh):
    from nk_desktop.views.sync.wizard import SyncWizard

    db, actor = fresh
    wizard = SyncWizard(db, actor, mode="join")
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.folder_page
    assert not page.validatePage() and "Hãy chọn thư mục chung" in page.error.text()
    page.path.setText(str(tmp_path / "khong-co"))
    assert not page.validatePage() and "Không vào được" in page.error.text()
    (tmp_path / "thu-muc-thuong").mkdir()
    page.path.setText(str(tmp_path / "thu-muc-thuong"))
    assert not page.validatePage() and "không phải thư mục đồng bộ" in page.error.text()


# --- the first PC: create the sync folder and the recovery sheet ------------------------------------------

def test_the_init_wizard_makes_the_sync_folder_and_the_recovery_sheet(qtbot, tmp_path, fresh):
    from nk_desktop.views.sync.wizard import SyncWizard

    db, actor = fresh
    share = tmp_path / "maychu" / "nk-sync"
    share.mkdir(parents=True)
    key = keys.generate()
    wizard = SyncWizard(db, actor, mode="init", new_key=key)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.folder_page.path.setText(str(share))
    wizard.next()
    assert wizard.currentPage() is wizard.key_page
    assert keys.format_key(key) in wizard.key_page.findChild(type(wizard.key_page.error), "newKey").text()
    wizard.key_page.sheet.setText(str(tmp_path / "phieu.pdf"))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.isComplete() or bool(wizard.run_page.error.text()), timeout=60000)
    assert wizard.run_page.isComplete(), wizard.run_page.error.text()
    assert (share / "SYNC-TARGET.json").exists() and list((share / "snapshots").iterdir())
    assert (tmp_path / "phieu.pdf").read_bytes().startswith(b"%PDF")
    # The test keyring forgets: the wizard says NK_SHARE_KEY is needed and keeps the key for this session.
    assert "NK_SHARE_KEY" in wizard.run_page.label.text()
    assert sync_controller.SESSION["key"] == key
    # A second init on that folder is refused at the folder page.
    again = SyncWizard(db, actor, mode="init")
    qtbot.addWidget(again)
    again.folder_page.path.setText(str(share))
    assert not again.folder_page.validatePage() and "đã là thư mục đồng bộ" in again.folder_page.error.text()


# --- a new PC joins -------------------------------------------------------------------------------------

def test_the_join_wizard_checks_the_key_joins_in_the_background_and_sets_the_old_file_aside(
        qtbot, tmp_path, fresh, net, ids):
    db, actor = fresh
    said = Said()
    window = window_for(qtbot, tmp_path, db, actor, said)
    wizard = window.sync_ui.open_wizard("join")
    wizard.folder_page.path.setText(str(net.share_root))
    wizard.next()
    assert wizard.currentPage() is wizard.key_page and wizard.target["epoch"]
    page = wizard.key_page
    typed = keys.format_key(KEY)
    page.key.setText(typed[:-1] + ("0" if typed[-1] != "0" else "1"))  # a typing mistake in the check group
    assert not page.validatePage() and "nhóm kiểm tra" in page.error.text()
    page.key.setText(keys.format_key(bytes(32)))
    assert not page.validatePage() and "không đúng" in page.error.text()
    page.key.setText(typed)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.run_page.isComplete() or bool(wizard.run_page.error.text()), timeout=60000)
    assert wizard.run_page.isComplete(), wizard.run_page.error.text()
    assert wizard.joined and wizard.kept is not None and wizard.kept.exists()
    assert "truoc-tham-gia" in wizard.kept.name
    with qtbot.waitSignal(window.logout_requested, timeout=5000):
        wizard.accept()
    joined = Database(f"sqlite:///{db.location}")
    try:
        with joined.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM local_state WHERE key = 'sync_epoch'").scalar() == \
                wizard.target["epoch"]
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM pupil").scalar() == 3
    finally:
        joined.dispose()


# --- Đồng bộ ngay on a PC of the school ---------------------------------------------------------------------

def test_sync_now_runs_in_the_background_shows_counts_and_refreshes_the_status(qtbot, tmp_path, net, ids):
    a, b = net["a"], net["b"]
    b.set_level(ids.teacher, 1, "T", ids)
    b.sync()
    said = Said()
    window = window_for(qtbot, tmp_path, a.db, ids.principal, said)
    ui = window.sync_ui
    ui.controller.key = KEY
    operation = ui.sync_now()
    assert operation is not None
    qtbot.waitUntil(lambda: not operation.running, timeout=60000)
    assert said.errors == [] and said.infos and said.infos[-1].startswith("Đồng bộ xong.")
    assert "đã nhận 1 thay đổi" in said.infos[-1]
    assert a.result(ids, 1).level == "HTT"
    qtbot.waitUntil(lambda: ui.controller.status is not None, timeout=20000)
    wait_refreshed(qtbot, ui)
    assert ui.widget.summary.text().startswith("Đồng bộ: ") and "chờ gửi" not in ui.widget.summary.text()
    assert ui.widget.sync_button.text() == "Đồng bộ ngay" and ui.sync_action.isEnabled()
    assert "liên lạc lần cuối" in ui.widget.summary.toolTip()
    dialog = ui.open_status()
    assert dialog.peers.rowCount() == 2


def test_an_unreachable_share_says_keep_working_offline(qtbot, tmp_path, net, ids):
    a = net["a"]
    shutil.move(net.share_root, tmp_path / "share-tat")
    said = Said()
    window = window_for(qtbot, tmp_path, a.db, ids.principal, said)
    window.sync_ui.controller.key = KEY
    operation = window.sync_ui.sync_now()
    qtbot.waitUntil(lambda: not operation.running, timeout=30000)
    assert said.errors and "vẫn làm việc bình thường" in said.errors[-1]
    wait_refreshed(qtbot, window.sync_ui)
    assert "mất kết nối" in window.sync_ui.widget.summary.text()


def test_a_wrong_key_says_so_and_points_to_the_recovery_sheet(qtbot, tmp_path, net, ids):
    said = Said()
    window = window_for(qtbot, tmp_path, net["a"].db, ids.principal, said)
    window.sync_ui.controller.key = bytes(32)
    operation = window.sync_ui.sync_now()
    qtbot.waitUntil(lambda: not operation.running, timeout=30000)
    assert said.errors and "Khóa của trường không đúng" in said.errors[-1] and "phiếu khóa" in said.errors[-1]


def test_without_a_key_sync_now_asks_for_it(qtbot, tmp_path, net, ids):
    said = Said()
    window = window_for(qtbot, tmp_path, net["a"].db, ids.principal, said)
    asked = []
    window.sync_ui.controller._ask_key = lambda parent: asked.append(1) or "khong-phai-khoa"
    window.sync_ui.controller._key_loader = lambda: None
    assert window.sync_ui.sync_now() is None and asked and "64 chữ số" in said.errors[-1]
    window.sync_ui.controller._ask_key = lambda parent: keys.format_key(KEY)
    operation = window.sync_ui.sync_now()
    qtbot.waitUntil(lambda: not operation.running, timeout=30000)
    assert said.infos[-1].startswith("Đồng bộ xong.") or "NK_SHARE_KEY" in said.infos[0]


def test_a_cancelled_exchange_stops_at_the_next_file_and_the_next_one_completes(net, ids):
    a, b = net["a"], net["b"]
    b.set_level(ids.teacher, 2, "C", ids)
    b.sync()
    seen = []
    with pytest.raises(Cancelled):
        engine.sync(a.db, make_share(str(net.share_root), lambda *args: seen.append(args), lambda: True), KEY,
                    make_snapshot=False, measure=False)
    assert a.result(ids, 2).level == "HT"
    report = engine.sync(a.db, make_share(str(net.share_root), lambda *args: seen.append(args), lambda: False), KEY,
                         make_snapshot=False, measure=False)
    assert report.imported.ops == 1 and a.result(ids, 2).level == "CHT"
    assert any("Đang nhận thay đổi từ máy" in args[2] for args in seen)


# --- the conflict queue and the quarantine list ------------------------------------------------------------

def test_the_conflict_queue_shows_both_values_and_lets_the_principal_choose(qtbot, tmp_path, net, ids):
    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    said = Said()
    window = window_for(qtbot, tmp_path, a.db, ids.principal, said)
    wait_refreshed(qtbot, window.sync_ui)
    badge = window.sync_ui.widget.badge
    assert not badge.isHidden() and badge.text() == "1 xung đột"
    badge.click()
    dialog = window.sync_ui.dialog
    from pytestqt.modeltest import ModelTester

    ModelTester(None).check(dialog.model)
    assert dialog.model.rowCount() == 1
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row[:4] == ["Lê Thị Mai", "4A", "Toán", "Mức đạt được"] and "HTT" in row[4] and "CHT" in row[4]
    assert dialog.keep_button.isEnabled() and dialog.choice.count() == 2
    dialog.choice.setCurrentIndex([dialog.choice.itemData(i).text for i in range(2)].index("CHT"))
    assert dialog.resolve_selected() and said.questions
    assert dialog.model.rowCount() == 0 and a.result(ids, 0).level == "CHT"


def test_the_conflict_queue_does_not_offer_the_choice_to_someone_who_may_not_make_it(qtbot, tmp_path, net, ids):
    from nk_desktop.views.sync.queues import ConflictQueueDialog

    a, b = net["a"], net["b"]
    a.set_level(ids.teacher, 0, "T", ids)
    b.set_level(ids.teacher, 0, "C", ids)
    net.sync_all()
    dialog = ConflictQueueDialog(a.db, ids.admin)  # may read the list, wrote neither value
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1 and not dialog.keep_button.isEnabled()


def _quarantined(net, ids):
    a, b = net["a"], net["b"]
    write_orm(b, ids.other_teacher, SubjectResult, ids.results[2], level="CHT")
    b.sync()
    assert a.sync().imported.quarantined == 1
    return a


def test_the_quarantine_list_releases_after_a_recheck(qtbot, tmp_path, net, ids):
    a = _quarantined(net, ids)
    said = Said()
    window = window_for(qtbot, tmp_path, a.db, ids.principal, said)
    dialog = window.sync_ui.open_quarantine()
    from pytestqt.modeltest import ModelTester

    ModelTester(None).check(dialog.model)
    row = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert row[1] == "Thay đổi" and row[2] == "Cô Bình" and "Mức đạt được = CHT" in row[4] and "phân công" in row[5]
    assert row[3] == "Trần Ngọc Ánh, 4A, Toán — kết quả môn học (GK1)"
    assert dialog.release_button.isVisible() and dialog.release_button.isEnabled()
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=True, class_id=ids.class_4a)
    assert not dialog.release_selected() and "đang khóa" in dialog.error.text()
    gradebook.set_lock(a.db, ids.principal, ids.year, locked=False, class_id=ids.class_4a)
    assert dialog.release_selected() and "Đã ghi" in dialog.done_label.text()
    assert dialog.model.rowCount() == 0 and a.result(ids, 2).level == "CHT"


def test_the_quarantine_list_dismisses_and_only_the_principal_decides(qtbot, tmp_path, net, ids):
    from nk_desktop.views.sync.queues import QuarantineDialog

    a = _quarantined(net, ids)
    viewer = QuarantineDialog(a.db, ids.admin)
    qtbot.addWidget(viewer)
    assert viewer.model.rowCount() == 1 and viewer.release_button.isHidden() and viewer.dismiss_button.isHidden()
    said = Said()
    dialog = QuarantineDialog(a.db, ids.principal, confirm=said.confirm)
    qtbot.addWidget(dialog)
    assert dialog.dismiss_selected() and dialog.model.rowCount() == 0 and a.result(ids, 2).level == "HT"


def test_the_menu_shows_the_queues_only_to_those_who_may_read_them(qtbot, tmp_path, net, ids):
    said = Said()
    teacher = window_for(qtbot, tmp_path, net["a"].db, ids.teacher, said).sync_ui
    assert teacher.conflicts_action is None and teacher.quarantine_action is None
    assert teacher.join_action is None and teacher.init_action is None and teacher.sync_action.isEnabled()
    principal = window_for(qtbot, tmp_path, net["a"].db, ids.principal, said).sync_ui
    assert principal.conflicts_action is not None and not principal.join_action.isEnabled()
