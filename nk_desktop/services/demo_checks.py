"""The demo school's monthly gradebook checks (regulation 39 Điều 4.1), so the review page and the books show them.

For each month of this year that has ended by the demo's date, the vice-principal (``phohieutruong``)
checks most classes on the first school day of the next month and writes a short remark naming the
class size and how it changed; about one class in six is left unchecked (deterministic for a seed).
"""

from __future__ import annotations

import datetime as dt
import random

from nk_desktop.clock import today
from nk_desktop.services import gradebook_checks
from nk_desktop.services.demo import DemoContext, Step

CHECK_ORDER = 4  # after the day's roll, marks, locks and corrections
SKIP_SHARE = 1 / 6
SENTENCES = (
    "Giáo viên vào điểm đầy đủ, đúng hạn.",
    "Sổ sạch, ghi rõ ràng; nhận xét môn học cụ thể.",
    "Đề nghị giáo viên ghi nhận xét cụ thể hơn ở môn Tiếng Việt.",
    "Đề nghị giáo viên bộ môn vào điểm đúng hạn.",
    "Thông tin học sinh đầy đủ, khớp với hồ sơ.",
)


def _size_sentence(start: int, end: int) -> str:
    if start == end:
        return f"Sĩ số {end} học sinh, không thay đổi trong tháng."
    change = "tăng" if end > start else "giảm"
    return f"Sĩ số {change} từ {start} còn {end} học sinh; đã cập nhật hồ sơ chuyển đến, chuyển đi."


def plan(cx: DemoContext) -> list[Step]:
    vice = cx.people.get("phohieutruong")
    year = cx.cur
    if vice is None or year.start_date > cx.on:
        return []
    rng = random.Random(f"nk-demo:{cx.seed}:checks")
    steps = []
    for month in gradebook_checks.months_between(year.start_date, min(cx.on, year.end_date)):
        _month, first, last = gradebook_checks.parse_month(month)
        after = cx.school_days(last + dt.timedelta(days=1), last + dt.timedelta(days=10))
        if not after or after[0] > cx.on or after[0] > today():
            continue
        day = after[0]
        for school_class in cx.classes[year.id]:
            if rng.random() < SKIP_SHARE:
                continue
            start = len(cx.enrolled(school_class.id, max(first, year.start_date)))
            end = len(cx.enrolled(school_class.id, last))
            remark = f"{_size_sentence(start, end)} {rng.choice(SENTENCES)}"

            def run(class_id=school_class.id, month=month, remark=remark, day=day):
                gradebook_checks.record_check(cx.db, vice, class_id, month, remark, on=day)
            steps.append(Step(day, CHECK_ORDER, run))
    return steps
