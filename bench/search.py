"""Issue 3: class list search typed letter by letter over 2,000 pupils, each keystroke < 30 ms.

The real "Học sinh" tab (``views.pupils.PupilsTab``) on class 1X of the import bench (2,000
pupils), shown offscreen at 1280×800.  Each keystroke of "nguyen van an" is a key event sent to
the search box (``QTest.keyClick``) followed by ``processEvents()``, so the filter, the model
reset, the found-count label and the repaint of the visible rows are all inside the time.  The
typing is repeated N times; per keystroke the median is taken, then the worst keystroke and the
median keystroke are reported.  Baseline: ``str.find`` of the folded prefix over the 2,000
folded names (the least any search has to do).
"""

from __future__ import annotations

import statistics

from bench import common, pupil_import
from bench.common import Figure, Target

TYPED = "nguyen van an"


class _PaintCounter:
    """Counts paint events on the table's viewport, to show the timing includes painting."""

    def __init__(self, viewport):
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, watched, event):  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    counter.count += 1
                return False

        self.count = 0
        self.filter = Filter()
        viewport.installEventFilter(self.filter)


def run() -> list[Figure]:
    target = Target.under_ms(30)
    if not pupil_import.available():
        return [common.skipped("search keystroke over 2,000 pupils", "nk_desktop/exchange/pupils.py is missing "
                               "(the 2,000-pupil class is imported with it)", target)]
    app = common.qt_app()
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from nk_desktop.db import open_database
    from nk_desktop.text import fold
    from nk_desktop.views.pupils import PupilsTab

    data = common.data()
    path = data.copy(pupil_import.imported_db(), "search.sqlite")
    n = common.runs()
    common.progress(f"search: typing “{TYPED}” {n} + warm-up times in the Học sinh tab")
    db = open_database(path)
    actor = common.actor_named(db, common.PRINCIPAL)
    tab = PupilsTab(db, actor)
    tab.resize(1280, 800)
    tab.show()
    tab.class_combo.setCurrentIndex(tab.class_combo.findText(pupil_import.CLASS_NAME))
    app.processEvents()
    total = tab.model.total()
    folded = [row.folded_name or fold(row.full_name) for row in tab.listing.rows]
    paints = _PaintCounter(tab.table.viewport())
    tab.search_edit.setFocus()

    per_key: list[list[float]] = [[] for _ in TYPED]
    per_key_base: list[list[float]] = [[] for _ in TYPED]
    found: list[int] = []
    for rep in range(-common.CONFIG.warmup, n):
        tab.search_edit.clear()
        app.processEvents()
        for k, char in enumerate(TYPED):
            key = Qt.Key.Key_Space if char == " " else getattr(Qt.Key, f"Key_{char.upper()}")
            s = common.timed(lambda: (QTest.keyClick(tab.search_edit, key, Qt.KeyboardModifier.NoModifier),
                                      app.processEvents()))
            query = fold(TYPED[:k + 1])
            b = common.timed(lambda: [i for i, name in enumerate(folded) if name.find(query) != -1])
            if rep >= 0:
                per_key[k].append(s)
                per_key_base[k].append(b)
            if rep == 0:
                found.append(tab.model.rowCount())
    typed_ok = tab.search_edit.text() == TYPED
    tab.close()
    db.dispose()

    medians = [statistics.median(samples) * 1000 for samples in per_key]
    base_medians = [statistics.median(samples) * 1000 for samples in per_key_base]
    worst = max(range(len(TYPED)), key=lambda k: medians[k])
    single_worst = max(max(samples) for samples in per_key) * 1000
    note = (f"{total} pupils in the list; matches after each key: {'/'.join(map(str, found))}; "
            f"{paints.count} viewport paints in {(n + common.CONFIG.warmup) * len(TYPED)} keystrokes"
            + ("" if typed_ok else f"; WARNING: the search box reads {tab.search_edit.text()!r}"))
    return [
        Figure(f"search keystroke, worst key (“{TYPED[:worst + 1]}”, median of {n})", medians[worst],
               "str.find over folded names", base_medians[worst], target, note=note),
        Figure("search keystroke, median key", statistics.median(medians), "str.find over folded names",
               statistics.median(base_medians), target),
        Figure("search keystroke, slowest single sample", single_worst, "str.find, slowest",
               max(max(s) for s in per_key_base) * 1000),
    ]
