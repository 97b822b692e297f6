"""Issue 5: taking and saving a class's roll < 100 ms; the month view of a 40-pupil class < 100 ms;
the school-wide "who has not taken the roll today" < 100 ms.

The demo school has rolls for every school day up to its "today".  Saving = one
``attendance.take_roll`` for a class on the last school day with four absences, alternating
two mark sets so each save really changes rows (journaled).  The month view is taken on the
largest class with five pupils added so it has 40.  Baselines: raw sqlite3 doing the same
row writes / reads.  Also a club session's roll (``clubs.take_club_roll``, the demo's largest
club on its latest session, two mark sets alternating) against the same raw updates.
"""

from __future__ import annotations

import datetime as dt
import uuid

from bench import common
from bench.common import Figure, Target


def run() -> list[Figure]:
    from sqlalchemy import func, select

    from nk_desktop.actor import SYSTEM
    from nk_desktop.db import open_database
    from nk_desktop.models.attendance import RollCall
    from nk_desktop.services import attendance, clubs, pupils

    data = common.data()
    path = data.copy(data.demo(), "attendance.sqlite")
    n = common.runs()
    common.progress("roll call: save, month view, classes without a roll")
    db = open_database(path)
    actor = common.actor_named(db, common.PRINCIPAL)
    year = common.current_year(db)
    with db.read() as session:
        day = session.scalar(select(func.max(RollCall.day)))
    classes = pupils.visible_classes(db, actor, year.id)
    sizes = pupils.class_sizes(db, actor, year.id, day)
    biggest = max(classes, key=lambda c: sizes.get(c.id, 0))
    for k in range(40 - sizes.get(biggest.id, 0)):
        pupils.add_pupil(db, SYSTEM, biggest.id, {"full_name": f"Nguyễn Văn Thêm {k}", "gender": "Nam",
                                                  "date_of_birth": dt.date(2016 - (biggest.grade - 4), 3, 3)},
                         start_date=year.start_date, allow_same_name=True)
    roster = [r.pupil_id for r in attendance.roll_for(db, SYSTEM, biggest.id, day, on=day).rows]
    sets = [{roster[i]: ("P", "Ốm") for i in (0, 1)} | {roster[2]: ("K", ""), roster[3]: ("M", "")},
            {roster[i]: ("K", "") for i in (4, 5)} | {roster[6]: ("P", "Việc gia đình"), roster[7]: ("M", "")}]

    def save(i: int) -> int:
        return attendance.take_roll(db, SYSTEM, biggest.id, day, "sang", sets[i % 2], on=day)

    raw = common.raw_connection(path)

    def raw_save(i: int) -> None:
        with raw:
            for pupil_id in roster[:8]:
                raw.execute("UPDATE attendance_mark SET reason = ? WHERE pupil_id = ? AND day = ?",
                            (str(i), common.hexid(pupil_id), day.isoformat()))
            raw.execute("INSERT INTO local_state(key, value) VALUES ('bench', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(uuid.uuid4()),))

    save_ms, raw_save_ms = common.compare(save, raw_save, n)
    month = f"{day.year:04d}-{day.month:02d}"
    view_ms, raw_view_ms = common.compare(
        lambda i: attendance.month_view(db, actor, biggest.id, month),
        lambda i: raw.execute("SELECT m.pupil_id, m.day, m.status FROM attendance_mark m WHERE m.class_id = ? "
                              "AND m.deleted = 0", (common.hexid(biggest.id),)).fetchall(), n)
    none_ms, raw_none_ms = common.compare(
        lambda i: attendance.classes_without_roll(db, actor, year.id, day),
        lambda i: raw.execute("SELECT id FROM school_class WHERE year_id = ? AND id NOT IN "
                              "(SELECT class_id FROM roll_call WHERE day = ?)",
                              (common.hexid(year.id), day.isoformat())).fetchall(), n)
    club = max(clubs.list_clubs(db, actor, year.id), key=lambda c: c.members)
    club_day = clubs.club_totals(db, actor, club.club_id).sessions[-1]
    members = [r.pupil_id for r in clubs.club_roll(db, actor, club.club_id, club_day, on=day).rows]
    club_sets = [{members[0]: ("P", "Ốm"), members[1]: ("M", "")}, {members[2]: ("K", ""), members[3]: ("P", "Sốt")}]
    club_ms, raw_club_ms = common.compare(
        lambda i: clubs.take_club_roll(db, SYSTEM, club.club_id, club_day, club_sets[i % 2], on=day), raw_save, n)
    raw.close()
    db.dispose()
    return [
        Figure(f"take and save a roll (class {biggest.name}, 40 pupils, absences changed each save)", common.median_ms(save_ms),
               "raw sqlite3 updates", common.median_ms(raw_save_ms), Target.under_ms(100)),
        Figure(f"month view {month} of a 40-pupil class", common.median_ms(view_ms),
               "raw sqlite3 marks of the class", common.median_ms(raw_view_ms), Target.under_ms(100)),
        Figure("school-wide: classes without today's roll", common.median_ms(none_ms),
               "raw sqlite3 anti-join", common.median_ms(raw_none_ms), Target.under_ms(100)),
        Figure(f"save a club session's roll ({club.name}, {len(members)} members)", common.median_ms(club_ms),
               "raw sqlite3 updates", common.median_ms(raw_club_ms), Target.under_ms(100)),
    ]
