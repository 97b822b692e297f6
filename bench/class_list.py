"""Issue 2: opening a class list of the demo school < 50 ms after the first time.

Opening = ``services.pupils.class_list`` + filling the tab's Qt model
(``views.pupils.table_model.PupilTableModel.set_rows``).  "The first time" is the first call on a
newly opened database (engine and statement caches cold); later openings go round the 25
classes of the year, as a teacher switching classes would.  Baseline: raw sqlite3 fetching the
same rows (pupil × enrolment of the class on the same day).  Also shown: the same switch done
through the real tab (class combo changed, shown 1280×800, events processed).
"""

from __future__ import annotations

from bench import common
from bench.common import Figure, Target

RAW_QUERY = """
SELECT p.*, e.* FROM pupil p JOIN enrolment e ON e.pupil_id = p.id
WHERE e.class_id = ? AND e.deleted = 0 AND p.deleted = 0
  AND e.start_date <= ? AND (e.end_date IS NULL OR e.end_date > ?)
"""


def _classes(db, actor, year_id):
    from nk_desktop.services import pupils

    return [(c.id, c.name) for c in pupils.visible_classes(db, actor, year_id)]


def run() -> list[Figure]:
    common.qt_app()
    from nk_desktop.clock import today
    from nk_desktop.db import open_database
    from nk_desktop.services import pupils
    from nk_desktop.views.pupils.table_model import PupilTableModel

    data = common.data()
    path = data.copy(data.demo(), "class_list.sqlite")
    n = common.runs()
    common.progress("class list: first opening, then round the classes")

    db = open_database(path)
    actor = common.actor_named(db, common.PRINCIPAL)
    year = common.current_year(db)
    classes = _classes(db, actor, year.id)
    day = min(max(today(), year.start_date), year.end_date)
    db.dispose()

    model = PupilTableModel()

    def open_list(class_id) -> int:
        listing = pupils.class_list(db, actor, class_id, on=day)
        model.set_rows(listing.rows, listing.on)
        return model.rowCount()

    # The first time: a newly opened database, nothing cached for it yet.
    db = open_database(path)
    first = common.timed(lambda: open_list(classes[0][0])) * 1000

    raw = common.raw_connection(path)
    iso = day.isoformat()

    def raw_list(class_id) -> int:
        return len(raw.execute(RAW_QUERY, (common.hexid(class_id), iso, iso)).fetchall())

    sizes = [open_list(c) for c, _name in classes]
    raw_sizes = [raw_list(c) for c, _name in classes]
    assert sizes == raw_sizes, (sizes, raw_sizes)
    runs_ = max(n, len(classes))  # at least one opening of every class
    subject, baseline = common.compare(lambda i: open_list(classes[i % len(classes)][0]),
                                       lambda i: raw_list(classes[i % len(classes)][0]), runs_)
    raw_first_conn = common.raw_connection(path)
    raw_first = common.timed(lambda: raw_first_conn.execute(
        RAW_QUERY, (common.hexid(classes[0][0]), iso, iso)).fetchall()) * 1000
    raw_first_conn.close()

    tab_ms = _through_tab(db, actor, classes, runs_)
    raw.close()
    db.dispose()
    mean_size = sum(sizes) / len(sizes)
    return [
        Figure(f"class list, first opening (new connection; ~{mean_size:.0f} pupils)", first,
               "raw sqlite3, new connection", raw_first),
        Figure("class list, later openings (class_list + Qt model)", common.median_ms(subject),
               "raw sqlite3 same rows", common.median_ms(baseline), Target.under_ms(50)),
        Figure("class list via the Học sinh tab (switch class + paint, 1280×800)", tab_ms,
               "raw sqlite3 same rows", common.median_ms(baseline), Target.under_ms(50)),
    ]


def _through_tab(db, actor, classes, n: int) -> float:
    from nk_desktop.views.pupils import PupilsTab

    app = common.qt_app()
    tab = PupilsTab(db, actor)
    tab.resize(1280, 800)
    tab.show()
    app.processEvents()
    count = tab.class_combo.count()

    def switch(i: int) -> None:
        tab.class_combo.setCurrentIndex((i + 1) % count)
        app.processEvents()

    samples = common.repeat(switch, max(n, count))
    tab.close()
    tab.deleteLater()
    app.processEvents()
    return common.median_ms(samples)

