"""The print centre's "Thông báo gửi cha mẹ học sinh" by week as well as by month."""

from __future__ import annotations

from .test_printing_tab import D, _log, _pages, data, make_tab, template  # noqa: F401  (fixtures)


def test_notices_of_a_week_or_of_a_month(qtbot, data):
    tab = make_tab(qtbot, data, "gvcn4a")
    page = tab.print_page
    page.set_kind("thong_bao")
    assert page.span_combo.isVisible() and page.month_combo.isVisible() and not page.week_edit.isVisible()
    assert page.results_combo.isVisible()
    [request] = page.requests()
    assert (request.month, request.week) == ("2026-10", None)
    page._select(page.span_combo, "week")
    assert page.week_edit.isVisible() and not page.month_combo.isVisible()
    page.week_edit.setDate(D(2026, 11, 6))
    page._select(page.results_combo, "CK1")
    [request] = page.requests()
    assert (request.month, request.week, request.milestone) == (None, D(2026, 11, 6), "CK1")
    page.show_preview()
    assert page.document.title == "Thông báo gửi cha mẹ học sinh lớp 4A — tuần 02/11–08/11/2026"
    text = " ".join(_pages(page.document.pdf))
    assert "Lớp 4A, từ 02/11 đến 08/11/2026: em Nguyễn Văn An đi học 0/1 buổi; 04/11 sáng: vắng có phép (Ốm)" in text
    assert "Toán: Hoàn thành tốt (9 điểm)" in text
    page.print_selection()
    assert _log(data) == [("thong_bao", "2026-W45", 1, "printed")]
    page.week_edit.setDate(D(2026, 11, 20))  # another week: the preview is forgotten, laid out again
    assert page.document is None
    page._select(page.span_combo, "month")
    [request] = page.requests()
    assert (request.month, request.week) == ("2026-10", None)
