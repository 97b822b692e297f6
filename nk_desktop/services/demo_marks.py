"""The demo school's gradebook (Thông tư 27/2020), up to the demo's date: part of ``build_demo_school``.

What is written, for the same seed and date always the same (record ids stay random):

* **Last year**, finished: all four milestones for every class × subject of its grade and the
  15 qualities and competencies; the periodic test dates and scores; each milestone locked by
  the principal once its deadline passed; the year-end results recorded by each homeroom
  teacher and approved by the principal, the summer re-assessment (before 31 August) of the
  few pupils who did not complete their grade, and the principal's decision for every pupil.
* **This year**: every milestone whose deadline (the end of week 8, 17, 26, 34) has passed,
  complete and locked; the next one in progress when its deadline is at most six weeks away —
  entered for every class × subject but three or four (and the traits of every class but one or
  two whose teachers are behind), so the completion board has gaps, with scores only for the
  tests already sat.  Test dates are set for those milestones so that the
  score deadlines (10 working days) are real.
* **Edit histories worth flagging** in the last milestone this year that has closed (the
  end of the year excepted: results are computed from it), made
  through ``gradebook.save_subject_cells`` with dates inside its entry window: a score changed
  four times by its teacher; a score deleted and re-entered higher; a class locked early,
  unlocked, a burst of 12 edits by its teacher and one by the DB admin ``quantri`` (who does
  not teach the class), then locked again; and one class well below the school in Toán all year.
  After the lock, one correction request (two small scans as evidence) approved and applied,
  and one waiting for the principal.

Levels come from a latent ability per pupil (so a pupil's subjects agree with each other and
from one milestone to the next), a small per-class-and-subject effect, and noise: about 45 %
Hoàn thành tốt, 50 % Hoàn thành and 5 % Chưa hoàn thành in mid-year, fewer at the end of the
year; qualities and competencies about 60 % Tốt, 37 % Đạt, 3 % Cần cố gắng.  Test scores are
whole numbers that agree with the level (mostly 6–10, a few low); every subject cell has a
comment from a small phrase bank per level, which is also stored as the school's comment bank.

Every entry is written with the account of the person who makes it in the school — the
assigned teacher, the homeroom teacher for traits and results, the vice-principal for the test
calendar, the principal for locks, approvals and decisions — so the audit log names them; last
year's class whose teacher has since retired (no account) is written by ``SYSTEM``.  Bulk
entries use ``capture.bulk_insert`` (one transaction per teacher and milestone), journaled and
audited row by row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import struct
import uuid
import zlib

from sqlalchemy import select

from nk_desktop.actor import Actor
from nk_desktop.i18n import _
from nk_desktop.models.gradebook import CommentTemplate, SubjectResult, TraitResult, YearResult
from nk_desktop.models.school import SchoolClass, SchoolYear
from nk_desktop.services import assessment_rules as rules
from nk_desktop.services import corrections, gradebook, results
from nk_desktop.services.demo import DemoContext, DemoPupil, Step
from nk_desktop.services.gradebook import CellEdit
from nk_desktop.services.permissions import Action, require
from nk_desktop.sync.capture import bulk_insert

PRINCIPAL, VICE, ADMIN = "hieutruong", "phohieutruong", "quantri"
MILESTONES = rules.MILESTONES
CORE = ("TV", "TOAN")  # tested at every milestone in grades 4–5, at the ends of term elsewhere
IN_PROGRESS_WEEKS = 6  # the next milestone is being entered when its deadline is this close
GAPS = (3, 4)  # class × subject pairs of the milestone in progress not entered yet

# The model: z = (ability + NOISE · noise) / norm + class effect + drift, then cut into levels.
NOISE = 0.25
HTT_CUT = 0.126  # ≈ 45 % above
CHT_CUT = {"GK1": -1.6, "CK1": -1.65, "GK2": -1.75, "CN": -2.3}
TOT_CUT = -0.25  # ≈ 60 % above
CCG_CUT = {"GK1": -1.85, "CK1": -1.9, "GK2": -2.0, "CN": -2.5}
DRIFT = {"GK1": 0.0, "CK1": 0.03, "GK2": 0.06, "CN": 0.1}  # pupils progress over the year
LOW_CLASS_EFFECT = -1.2  # the class noticeably below the school in one subject (≈ 30 % CHT, mean −1.8)
SCORE_BAND = {"HTT": (8, 10), "HT": (5, 9), "CHT": (2, 5)}

# --- the comment bank ----------------------------------------------------------------------

GENERAL_PHRASES = {
    "HTT": ("Em tiếp thu bài nhanh, hoàn thành tốt các nội dung học tập.",
            "Em nắm vững kiến thức, vận dụng tốt vào bài tập.",
            "Em học tập chăm chỉ, hoàn thành tốt yêu cầu của môn học.",
            "Em tích cực phát biểu xây dựng bài, làm bài cẩn thận."),
    "HT": ("Em hoàn thành các nội dung học tập của môn học.",
           "Em nắm được kiến thức cơ bản, cần cẩn thận hơn khi làm bài.",
           "Em hoàn thành bài học, cần mạnh dạn phát biểu hơn.",
           "Em có tiến bộ, cần chăm chỉ luyện tập thêm."),
    "CHT": ("Em chưa hoàn thành một số nội dung, cần được giúp đỡ thêm.",
            "Em tiếp thu còn chậm, cần cố gắng nhiều hơn và được phụ đạo thêm.",
            "Em cần ôn lại các nội dung đã học với sự hỗ trợ của gia đình."),
}
SUBJECT_PHRASES = {
    "TV": {"HTT": ("Em đọc to, rõ ràng, viết đúng chính tả, trình bày sạch đẹp.",
                   "Em đọc hiểu tốt, viết đoạn văn mạch lạc, dùng từ hay."),
           "HT": ("Em đọc khá trôi chảy, viết còn mắc một vài lỗi chính tả.",
                  "Em cần luyện viết đoạn văn rõ ý hơn."),
           "CHT": ("Em đọc còn chậm, viết sai nhiều lỗi chính tả, cần luyện thêm.",)},
    "TOAN": {"HTT": ("Em tính toán nhanh, chính xác, giải toán có lời văn tốt.",
                     "Em nắm chắc kiến thức, trình bày bài giải rõ ràng."),
             "HT": ("Em làm được các bài tập cơ bản, cần cẩn thận khi tính toán.",
                    "Em cần rèn thêm kĩ năng giải toán có lời văn."),
             "CHT": ("Em còn nhầm lẫn khi thực hiện phép tính, cần luyện tập thêm.",)},
    "NN1": {"HTT": ("Em phát âm chuẩn, nghe và nói tiếng Anh tự tin.",),
            "HT": ("Em nhớ được từ vựng cơ bản, cần luyện nói nhiều hơn.",),
            "CHT": ("Em chưa nhớ được từ vựng của bài, cần ôn tập thêm.",)},
    "TNXH": {"HTT": ("Em hiểu bài, biết liên hệ kiến thức với thực tế.",),
             "HT": ("Em nắm được nội dung chính của bài học.",)},
    "KH": {"HTT": ("Em hiểu bài, biết giải thích hiện tượng trong thực tế.",),
           "HT": ("Em nắm được nội dung chính của bài học.",)},
    "LSDL": {"HTT": ("Em nhớ tốt các sự kiện, đọc được lược đồ, bản đồ.",),
             "HT": ("Em nắm được nội dung chính, cần ghi nhớ thêm các mốc lịch sử.",)},
    "TH": {"HTT": ("Em sử dụng máy tính thành thạo, thực hành tốt.",),
           "HT": ("Em thực hiện được các thao tác cơ bản trên máy tính.",)},
    "CN": {"HTT": ("Em làm sản phẩm khéo léo, đúng yêu cầu.",),
           "HT": ("Em hoàn thành sản phẩm theo hướng dẫn.",)},
    "GDTC": {"HTT": ("Em thực hiện đúng, đẹp các động tác, tích cực tập luyện.",),
             "HT": ("Em thực hiện được các động tác cơ bản.",)},
    "AN": {"HTT": ("Em hát đúng giai điệu, biểu diễn tự tin.",),
           "HT": ("Em thuộc lời bài hát, cần hát đúng nhịp hơn.",)},
    "MT": {"HTT": ("Em vẽ đẹp, phối màu hài hoà, có ý tưởng sáng tạo.",),
           "HT": ("Em hoàn thành sản phẩm mĩ thuật theo yêu cầu.",)},
    "DD": {"HTT": ("Em thực hiện tốt các hành vi đạo đức đã học.",),
           "HT": ("Em biết thực hiện các chuẩn mực hành vi đã học.",)},
    "HDTN": {"HTT": ("Em tích cực, hăng hái tham gia các hoạt động.",),
             "HT": ("Em tham gia đầy đủ các hoạt động của lớp.",)},
}
TRAIT_PHRASES = {
    "TOT": ("Em ngoan, lễ phép, đoàn kết với bạn bè.",
            "Em tự giác, có trách nhiệm với công việc được giao.",
            "Em mạnh dạn, tự tin trong giao tiếp."),
    "DAT": ("Em cần chủ động hơn trong học tập.",
            "Em cần mạnh dạn hơn khi trao đổi với bạn."),
    "CCG": ("Em cần tập trung hơn trong giờ học, giữ gìn đồ dùng học tập.",
            "Em còn nói chuyện riêng, cần cố gắng thực hiện nội quy lớp học.",
            "Em cần tự giác hoàn thành nhiệm vụ được giao."),
}
RECOGNITIONS = ("Học tốt môn Toán", "Học tốt môn Tiếng Việt", "Năng khiếu Mĩ thuật", "Năng khiếu Âm nhạc",
                "Tích cực tham gia các hoạt động phong trào của lớp",
                "Tiến bộ rõ rệt về năng lực tự chủ và tự học")


@dataclasses.dataclass
class MarksPlan:
    steps: list[Step]
    summary: str


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A year's milestone: its deadline week, the days of its tests, when it closes."""

    milestone: str
    week: int
    level_due: dt.date
    monday: dt.date  # of the deadline week
    tests: dict[str, dt.date]  # subject code → the test day (the same for every grade)
    term_start: dt.date

    def test_day(self, code: str) -> dt.date:
        return self.tests.get(code, self.tests["TV"])

    def score_due(self, context: DemoContext, code: str) -> dt.date:
        return context.calendar.add_working_days(self.test_day(code), rules.SCORE_DEADLINE_WORKING_DAYS)


def plan(context: DemoContext) -> MarksPlan:
    return _Planner(context).plan()


class _Planner:
    def __init__(self, context: DemoContext):
        self.cx = context
        self.rng = random.Random(f"nk-demo:{context.seed}:marks")
        self.steps: list[Step] = []
        # (class, subject code or trait, milestone, pupil) → the cell as last written (levels,
        # scores, comments): what later steps (histories, corrections, results) start from.
        self.book: dict[tuple, dict] = {}
        self.codes: dict[uuid.UUID, str] = {}
        self.ids: dict[str, uuid.UUID] = {}
        for year in (context.prev, context.cur):
            for grade in range(1, 6):
                for subject, _tested in context.subjects[(year.id, grade)]:
                    self.codes[subject.id], self.ids[subject.code] = subject.code, subject.id
        self.effects: dict[tuple, float] = {}
        self.aptitude: dict[tuple, float] = {}
        self.latent: dict[tuple[uuid.UUID, int], tuple[float, float]] = {}  # (pupil, 0 last / 1 this year)
        for pupil in sorted(context.pupils.values(), key=lambda p: p.code):
            ability = self.rng.gauss(0, 1)
            conduct = 0.9 * ability + 0.436 * self.rng.gauss(0, 1)
            for index in (0, 1):
                self.latent[(pupil.id, index)] = (0.95 * ability + 0.31 * self.rng.gauss(0, 1),
                                                  0.95 * conduct + 0.31 * self.rng.gauss(0, 1))
        # Who plays which part this year (grades 4–5: Tiếng Việt and Toán are tested at every milestone).
        upper = [c for c in context.classes[context.cur.id] if c.grade >= 4]
        self.low, self.four, self.redo, self.burst, self.fixed = self.rng.sample(upper, 5)
        english = [c for c in context.classes[context.cur.id] if c.grade >= 3]
        self.pending = self.rng.choice(english)
        self.done: dict[uuid.UUID, list[str]] = {}  # year → milestones closed
        self.open: dict[uuid.UUID, str] = {}  # year → the milestone in progress

    # --- small helpers -------------------------------------------------------------------

    def at(self, day: dt.date, order: int, run) -> None:
        if day <= self.cx.on:
            self.steps.append(Step(day, order, run))

    def person(self, username: str) -> Actor:
        return self.cx.people[username]

    def schedule(self, year: SchoolYear) -> dict[str, Schedule]:
        """The deadline week of each milestone, its tests in the two weeks before, the term's start."""
        weeks = self.cx.weeks[year.id]
        out = {}
        for milestone in MILESTONES:
            number = rules.DEFAULT_ENTRY_WEEKS[milestone]
            before, last = self.cx.week_days(year, number - 2), self.cx.week_days(year, number - 1)
            core_days = last[:2] if len(last) >= 2 else (before + last)[-2:]
            other_days = before or core_days
            tests = {"TV": core_days[0], "TOAN": core_days[-1]}
            for n, code in enumerate(("NN1", "LSDL", "KH", "TH", "CN")):
                tests[code] = other_days[n % len(other_days)]
            term = 1 if milestone in ("GK1", "CK1") else 2
            term_start = min(w.start_date for w in weeks.values() if w.term == term)
            out[milestone] = Schedule(milestone, number, weeks[number].end_date, weeks[number].start_date, tests,
                                      term_start)
        return out

    def z(self, pupil: DemoPupil, year_index: int, key, milestone: str, which: int, effect: float = 0.0) -> float:
        """The latent score of a pupil in a subject (which=0) or a trait (which=1) at a milestone."""
        if (pupil.id, key) not in self.aptitude:
            self.aptitude[(pupil.id, key)] = self.rng.gauss(0, 1)
        base = self.latent[(pupil.id, year_index)][which]
        noise = 0.7 * self.aptitude[(pupil.id, key)] + 0.714 * self.rng.gauss(0, 1)
        return (base + NOISE * noise) / math.sqrt(1 + NOISE ** 2) + effect + DRIFT[milestone]

    def effect(self, year: SchoolYear, school_class: SchoolClass, code: str) -> float:
        key = (school_class.id, code)
        if key not in self.effects:
            self.effects[key] = self.rng.gauss(0, 0.12)
            if year.id == self.cx.cur.id and school_class.id == self.low.id and code == "TOAN":
                self.effects[key] = LOW_CLASS_EFFECT
        return self.effects[key]

    def score_for(self, level: str, z: float) -> int:
        low, high = SCORE_BAND[level]
        return min(high, max(low, round(7.6 + 1.4 * z + self.rng.gauss(0, 0.7))))

    def comment(self, code: str, level: str) -> str:
        own = SUBJECT_PHRASES.get(code, {}).get(level)
        if own and self.rng.random() < 0.65:
            return self.rng.choice(own)
        return self.rng.choice(GENERAL_PHRASES[level])

    # --- the plan --------------------------------------------------------------------------

    def plan(self) -> MarksPlan:
        cx = self.cx
        self.at(cx.prev.start_date, -1, self.write_bank)
        for index, year in enumerate((cx.prev, cx.cur)):
            if year.start_date > cx.on:
                continue
            schedule = self.schedule(year)
            closed = [m for m in MILESTONES if schedule[m].level_due < cx.on]
            upcoming = next((m for m in MILESTONES if m not in closed), None)
            if upcoming and cx.on < schedule[upcoming].level_due - dt.timedelta(weeks=IN_PROGRESS_WEEKS):
                upcoming = None
            self.done[year.id] = closed
            for milestone in closed + ([upcoming] if upcoming else []):
                self.test_dates(year, schedule[milestone])
            for milestone in closed:
                self.milestone(year, index, schedule[milestone])
                due = schedule[milestone].level_due
                self.at(due + dt.timedelta(days=1), 2, self.lock(year, milestone, schedule[milestone].week))
            if upcoming:
                self.open[year.id] = upcoming
                self.milestone(year, index, schedule[upcoming], in_progress=True)
            # This year's histories: in the last milestone closed, but never the end of the year, whose
            # marks the results are computed from.
            flagged = [m for m in closed if m != "CN"]
            if year.id == cx.cur.id and flagged:
                self.histories(schedule[flagged[-1]])
            if "CN" in closed:
                self.year_end(year, schedule["CN"])
        return MarksPlan(self.steps, self.summary())

    def summary(self) -> str:
        parts = []
        for year in (self.cx.prev, self.cx.cur):
            closed = self.done.get(year.id, [])
            if not closed and year.id not in self.open:
                continue
            state = [_("đã khóa {m}").format(m=", ".join(closed))] if closed else []
            if year.id in self.open:
                state.append(_("đang nhập {m}").format(m=self.open[year.id]))
            if "CN" in closed:
                state.append(_("đã duyệt kết quả cuối năm"))
            parts.append(_("năm học {y}: {state}").format(y=year.name, state=", ".join(state)))
        return _("Sổ điểm: {parts}.").format(parts="; ".join(parts)) if parts else ""

    def write_bank(self) -> None:
        rows = [dict(subject_id=None, trait="", level=level, text=text)
                for level, texts in GENERAL_PHRASES.items() for text in texts]
        rows += [dict(subject_id=self.ids[code], trait="", level=level, text=text)
                 for code, levels in SUBJECT_PHRASES.items() if code in self.ids
                 for level, texts in levels.items() for text in texts]
        rows += [dict(subject_id=None, trait="", level=level, text=text)
                 for level, texts in TRAIT_PHRASES.items() for text in texts]
        with self.cx.db.write(self.person(VICE)) as session:
            bulk_insert(session, CommentTemplate, rows)

    def test_dates(self, year: SchoolYear, schedule: Schedule) -> None:
        """The vice-principal sets the term's test calendar on its first day."""
        plan = []
        for grade in range(1, 6):
            for subject, tested in self.cx.subjects[(year.id, grade)]:
                if schedule.milestone in tested:
                    plan.append((grade, subject.id, schedule.test_day(subject.code)))

        def run():
            for grade, subject_id, day in plan:
                gradebook.set_test_date(self.cx.db, self.person(VICE), year.id, grade, subject_id,
                                        schedule.milestone, day)
        self.at(min(schedule.term_start, self.cx.on), 1, run)

    def lock(self, year: SchoolYear, milestone: str, week: int):
        def run():
            gradebook.set_lock(self.cx.db, self.person(PRINCIPAL), year.id, locked=True, milestone=milestone,
                               reason=_("Hết hạn nhập {m} (tuần {w}), khóa sổ theo Điều 11.1").format(
                                   m=rules.MILESTONE_NAMES[milestone], w=week))
        return run

    def milestone(self, year: SchoolYear, index: int, schedule: Schedule, *, in_progress: bool = False) -> None:
        """Every class × subject (and the homeroom teachers' traits) of one milestone, one step per teacher."""
        cx, rng, milestone = self.cx, self.rng, schedule.milestone
        classes = cx.classes[year.id]
        last = min(cx.on, year.end_date)
        if in_progress:
            first = max(year.start_date, schedule.level_due - dt.timedelta(weeks=IN_PROGRESS_WEEKS))
            days = [first + dt.timedelta(days=n) for n in range((cx.on - first).days + 1)]
            pairs = [(c.id, s.id) for c in classes for s, _t in cx.subjects[(year.id, c.grade)]]
            gaps = set(rng.sample(pairs, rng.choice(GAPS)))
            # The homeroom teachers behind with a subject are behind with the traits too (one or two).
            by_id = cx.classes_by_id
            behind = sorted({c for c, s in gaps if cx.teacher[(c, s)] == by_id[c].homeroom_id},
                            key=lambda c: by_id[c].name)
            late = set(rng.sample(behind, min(len(behind), rng.choice((1, 2)))))
            trait_classes = {c.id for c in classes if c.id not in late}
        else:
            # After the tests (the week before the deadline week), up to the deadline week's Monday.
            first = max(schedule.monday - dt.timedelta(days=4), max(schedule.tests.values()) + dt.timedelta(days=2))
            days = [first + dt.timedelta(days=n) for n in range(max(1, (schedule.monday - first).days + 1))]
            gaps, trait_classes = set(), {c.id for c in classes}
        groups: dict[uuid.UUID | None, tuple[dt.date, list, list, set]] = {}

        def group(staff_id):
            if staff_id not in groups:
                groups[staff_id] = (rng.choice(days), [], [], set())
            return groups[staff_id]

        for school_class in classes:
            for subject, tested in cx.subjects[(year.id, school_class.grade)]:
                if (school_class.id, subject.id) in gaps:
                    continue
                day, rows, _traits, pairs = group(cx.teacher[(school_class.id, subject.id)])
                pairs.add((school_class.id, subject.id))
                effect = self.effect(year, school_class, subject.code)
                scored = milestone in tested and schedule.test_day(subject.code) + dt.timedelta(days=2) <= day
                for pupil in cx.enrolled(school_class.id, day, last):
                    z = self.z(pupil, index, subject.code, milestone, 0, effect)
                    level = "HTT" if z > HTT_CUT else "CHT" if z < CHT_CUT[milestone] else "HT"
                    cell = dict(level=level, score=self.score_for(level, z) if scored else None,
                                comment=self.comment(subject.code, level))
                    self.book[(school_class.id, subject.code, milestone, pupil.id)] = dict(cell)
                    rows.append(dict(year_id=year.id, class_id=school_class.id, pupil_id=pupil.id,
                                     subject_id=subject.id, milestone=milestone, **cell))
            if school_class.id not in trait_classes:
                continue
            day, _rows, traits, _pairs = group(school_class.homeroom_id)
            for pupil in cx.enrolled(school_class.id, day, last):
                for code, _name in rules.TRAITS:
                    z = self.z(pupil, index, code, milestone, 1)
                    level = "TOT" if z > TOT_CUT else "CCG" if z < CCG_CUT[milestone] else "DAT"
                    comment = rng.choice(TRAIT_PHRASES[level]) if level == "CCG" or rng.random() < 0.05 else ""
                    self.book[(school_class.id, code, milestone, pupil.id)] = dict(level=level, comment=comment)
                    traits.append(dict(year_id=year.id, class_id=school_class.id, pupil_id=pupil.id, trait=code,
                                       milestone=milestone, level=level, comment=comment))
        for staff_id, (day, rows, traits, pairs) in groups.items():
            self.at(day, 1, self.write(cx.actor_of(staff_id), rows, traits, pairs))

    def write(self, actor: Actor, rows: list[dict], traits: list[dict], pairs: set):
        """One teacher's entries of a milestone: one transaction, every row journaled and audited."""
        homerooms = sorted({row["class_id"] for row in traits})

        def run():
            with self.cx.db.write(actor) as session:
                for class_id, subject_id in sorted(pairs):
                    require(session, actor, Action.MARKS_ENTER, class_id=class_id, subject_id=subject_id)
                for class_id in homerooms:
                    require(session, actor, Action.TRAITS_ENTER, class_id=class_id)
                if rows:
                    bulk_insert(session, SubjectResult, rows)
                if traits:
                    bulk_insert(session, TraitResult, traits)
        return run

    # --- the end of the year -----------------------------------------------------------------

    def year_end(self, year: SchoolYear, schedule: Schedule) -> None:
        """Results recorded, approved, re-assessed in summer, decided — each step only once its day has come."""
        cx, rng = self.cx, self.rng
        record_day = schedule.level_due + dt.timedelta(days=rng.randint(3, 5))
        approve_day = schedule.level_due + dt.timedelta(days=rng.randint(8, 10))
        summer = dt.date(year.end_date.year, 8, rng.randint(10, 20))
        for school_class in cx.classes[year.id]:
            if results.rule_set_for(year, school_class.grade) != rules.RULE_SET:
                continue  # a year under the older circular keeps no computed result here
            subjects = cx.subjects[(year.id, school_class.grade)]
            recognitions, failed = {}, []
            for pupil in cx.enrolled(school_class.id, year.end_date):
                levels = {s.code: self.book[(school_class.id, s.code, "CN", pupil.id)]["level"] for s, _t in subjects}
                traits = {code: self.book[(school_class.id, code, "CN", pupil.id)]["level"]
                          for code, _n in rules.TRAITS}
                scores = {s.code: self.book[(school_class.id, s.code, "CN", pupil.id)]["score"]
                          for s, tested in subjects if "CN" in tested}
                overall = rules.classify_year_end(levels, traits, scores).overall
                if overall == "HTT" and rng.random() < 0.6:
                    recognitions[pupil.id] = rng.choice(RECOGNITIONS)
                elif overall == "CHT":
                    failed.append(pupil.id)
            teacher = cx.homeroom(school_class)
            self.at(record_day, 2, self.record(teacher, school_class.id, recognitions))
            self.at(approve_day, 2, self.approve(school_class.id))
            for pupil_id in failed:
                decision = "hoan_thanh_tieu_hoc" if school_class.grade == 5 else "len_lop"
                self.at(summer, 2, self.reassess(teacher, school_class.id, pupil_id, summer, decision))
        self.at(approve_day, 2, self.decide(year))

    def record(self, teacher: Actor, class_id: uuid.UUID, recognitions: dict):
        return lambda: results.record_results(self.cx.db, teacher, class_id, recognitions=recognitions)

    def approve(self, class_id: uuid.UUID):
        return lambda: results.approve_results(self.cx.db, self.person(PRINCIPAL), class_id)

    def decide(self, year: SchoolYear):
        """The principal's decision for every pupil who completed the grade (one transaction)."""
        grades = {c.id: c.grade for c in self.cx.classes[year.id]}

        def run():
            principal = self.person(PRINCIPAL)
            with self.cx.db.write(principal) as session:
                require(session, principal, Action.RESULTS_APPROVE)
                for row in session.scalars(select(YearResult).where(
                        YearResult.year_id == year.id, YearResult.deleted.is_(False),
                        YearResult.completed.is_(True)).order_by(YearResult.class_id, YearResult.pupil_id)):
                    row.decision = "hoan_thanh_tieu_hoc" if grades[row.class_id] == 5 else "len_lop"
        return run

    def reassess(self, teacher: Actor, class_id: uuid.UUID, pupil_id: uuid.UUID, day: dt.date, decision: str):
        def run():
            results.record_reassessment(self.cx.db, teacher, class_id, pupil_id, "HT", day)
            results.decide_promotion(self.cx.db, self.person(PRINCIPAL), class_id, pupil_id, decision)
        return run

    # --- histories worth flagging, and the correction procedure -----------------------------------

    def cell(self, school_class: SchoolClass, code: str, milestone: str, pupil: DemoPupil) -> dict:
        return self.book[(school_class.id, code, milestone, pupil.id)]

    def steady(self, school_class: SchoolClass, code: str, milestone: str, since: dt.date,
               want=lambda cell: cell.get("level") != "CHT", exclude=()) -> list[DemoPupil]:
        """Pupils in the class from *since* to the demo's date whose cell *want* accepts."""
        later = {p.id for p in self.cx.enrolled(school_class.id, min(self.cx.on, self.cx.cur.end_date))}
        return [p for p in self.cx.enrolled(school_class.id, since)
                if p.id in later and p.id not in exclude and (school_class.id, code, milestone, p.id) in self.book
                and want(self.cell(school_class, code, milestone, p))]

    def save(self, actor: Actor, school_class: SchoolClass, code: str, milestone: str,
             edits: list[tuple[DemoPupil, str, object]], day: dt.date):
        """Edits through the real entry path (permission, window, lock checked), the book kept in step."""
        for pupil, field, value in edits:
            self.cell(school_class, code, milestone, pupil)[field] = value
        cells = [CellEdit(pupil.id, field, value) for pupil, field, value in edits]

        def run():
            result = gradebook.save_subject_cells(self.cx.db, actor, school_class.id, self.ids[code], milestone,
                                                  cells, on=day)
            assert result.saved == len(cells) and not result.refused, (school_class.name, code, result)
        return run

    def other_score(self, value: int, level: str, step: int = 1) -> int:
        low, high = SCORE_BAND[level]
        low = max(low, 5)
        choices = [v for v in range(low, high + 1) if v != value and abs(v - value) <= step + 1]
        return self.rng.choice(choices or [v for v in range(low, high + 1) if v != value])

    def histories(self, schedule: Schedule) -> None:
        cx, rng, milestone = self.cx, self.rng, schedule.milestone
        monday = schedule.monday
        tue, wed, thu, fri = (monday + dt.timedelta(days=n) for n in (1, 2, 3, 4))

        def in_window(day: dt.date, *codes: str) -> dt.date:
            """*day*, or earlier if the scores of *codes* are due before it."""
            return min([day, schedule.level_due] + [schedule.score_due(cx, code) for code in codes])

        # 1. A Tiếng Việt score changed four times by its teacher in the deadline week.
        teacher = cx.homeroom(self.four)
        pupil = rng.choice(self.steady(self.four, "TV", milestone, monday))
        value = self.cell(self.four, "TV", milestone, pupil)["score"]
        level = self.cell(self.four, "TV", milestone, pupil)["level"]
        for day in (tue, wed, thu, fri):
            value = self.other_score(value, level)
            self.at(in_window(day, "TV"), 1, self.save(teacher, self.four, "TV", milestone,
                                                       [(pupil, "score", value)], in_window(day, "TV")))

        # 2. A Toán score deleted, then re-entered two points higher.
        teacher = cx.homeroom(self.redo)
        pupil = rng.choice(self.steady(self.redo, "TOAN", milestone, monday,
                                       want=lambda c: c["level"] == "HT" and c["score"] <= 7))
        old = self.cell(self.redo, "TOAN", milestone, pupil)["score"]
        self.at(in_window(wed, "TOAN"), 1, self.save(teacher, self.redo, "TOAN", milestone,
                                                     [(pupil, "score", None)], in_window(wed, "TOAN")))
        self.at(in_window(fri, "TOAN"), 1, self.save(teacher, self.redo, "TOAN", milestone,
                                                     [(pupil, "score", old + 2)], in_window(fri, "TOAN")))

        # 3. Locked early, unlocked, 12 edits by the teacher and one by the DB admin, locked again.
        self.burst_story(schedule, tue, in_window(thu, "TOAN", "TV"), min(fri, schedule.level_due))

        # 4. After the lock: a correction approved and applied, another waiting for the principal.
        lock_day = schedule.level_due + dt.timedelta(days=1)
        asked = min(lock_day + dt.timedelta(days=7), cx.on)
        self.correction_story(milestone, asked, min(asked + dt.timedelta(days=1), cx.on),
                              min(asked + dt.timedelta(days=2), cx.on))
        self.pending_story(milestone, max(cx.on - dt.timedelta(days=2), lock_day))

    def burst_story(self, schedule: Schedule, lock_day: dt.date, edit_day: dt.date, relock_day: dt.date) -> None:
        cx, rng, milestone, school_class = self.cx, self.rng, schedule.milestone, self.burst
        principal, teacher, admin = self.person(PRINCIPAL), cx.homeroom(school_class), self.person(ADMIN)
        year_id = cx.cur.id

        def set_lock(locked: bool, reason: str):
            return lambda: gradebook.set_lock(cx.db, principal, year_id, locked=locked, class_id=school_class.id,
                                              milestone=milestone, reason=reason)

        self.at(lock_day, 2, set_lock(True, _("GVCN báo đã nhập xong; khóa để tổ chuyên môn kiểm tra")))
        runs = [set_lock(False, _("GVCN đề nghị mở để sửa điểm nhập lệch dòng"))]
        used: set[uuid.UUID] = set()

        def pick(code: str, n: int, want) -> list[DemoPupil]:
            chosen = rng.sample(self.steady(school_class, code, milestone, schedule.monday, want, used), n)
            used.update(p.id for p in chosen)
            return chosen

        def scores(code: str, n: int):
            return [(p, "score", self.other_score(self.cell(school_class, code, milestone, p)["score"],
                                                  self.cell(school_class, code, milestone, p)["level"]))
                    for p in pick(code, n, lambda c: c["level"] != "CHT")]

        def levels(code: str, n: int):
            # HT → HTT where the score is high enough, HTT → HT where it is not perfect
            return [(p, "level", "HTT" if self.cell(school_class, code, milestone, p)["level"] == "HT" else "HT")
                    for p in pick(code, n, lambda c: (c["level"] == "HT" and c["score"] >= 8)
                                  or (c["level"] == "HTT" and c["score"] <= 9))]

        # Twelve cells by the teacher, each a different pupil's row: 7 in Toán, 5 in Tiếng Việt.
        comment = [(p, "comment", self.cell(school_class, "TOAN", milestone, p)["comment"] + " "
                    + _("Cần rèn thêm kĩ năng trình bày."))
                   for p in pick("TOAN", 1, lambda c: c["level"] != "CHT")]
        runs.append(self.save(teacher, school_class, "TOAN", milestone,
                              scores("TOAN", 4) + levels("TOAN", 2) + comment, edit_day))
        runs.append(self.save(teacher, school_class, "TV", milestone, scores("TV", 2) + levels("TV", 3), edit_day))
        # The DB admin (a teacher of Tin học, not of this class's Toán) changes a Toán score meanwhile.
        runs.append(self.save(admin, school_class, "TOAN", milestone, scores("TOAN", 1), edit_day))

        def run():
            for step in runs:
                step()
        self.at(edit_day, 2, run)
        self.at(relock_day, 2, set_lock(True, _("Đã sửa xong; khóa lại")))

    def correction_story(self, milestone: str, asked: dt.date, decided: dt.date, applied: dt.date) -> None:
        cx, school_class = self.cx, self.fixed
        teacher = cx.homeroom(school_class)
        pupil = self.rng.choice(self.steady(school_class, "TV", milestone, cx.cur.start_date))
        cell = self.cell(school_class, "TV", milestone, pupil)
        old = cell["score"]
        new = old + 2 if old <= 8 else old - 2
        evidence = [("so_ca_nhan", f"so-ca-nhan-{school_class.name}-tieng-viet.png", _scan(self.rng, 3)),
                    ("bai_kiem_tra", f"bai-kiem-tra-{pupil.code}.png", _scan(self.rng, 1))]
        reason = _("Nhập nhầm điểm bài kiểm tra: bài của em được {new} điểm, sổ ghi {old} điểm.").format(
            new=new, old=old)
        cell["score"] = new
        box: dict[str, uuid.UUID] = {}

        def ask():
            box["id"] = corrections.request_correction(
                cx.db, teacher, class_id=school_class.id, pupil_id=pupil.id, milestone=milestone, field="score",
                new_value=new, reason=reason, subject_id=self.ids["TV"], evidence=evidence, on=asked)
        self.at(asked, 3, ask)
        self.at(decided, 3, lambda: corrections.decide_correction(
            cx.db, self.person(PRINCIPAL), box["id"], approve=True,
            remark=_("Đồng ý sửa theo bài kiểm tra và sổ theo dõi của giáo viên.")))
        self.at(applied, 3, lambda: corrections.apply_correction(cx.db, self.person(ADMIN), box["id"]))

    def pending_story(self, milestone: str, asked: dt.date) -> None:
        cx, school_class = self.cx, self.pending
        teacher = cx.actor_of(cx.teacher[(school_class.id, self.ids["NN1"])])
        pupil = self.rng.choice(self.steady(school_class, "NN1", milestone, cx.cur.start_date,
                                            want=lambda c: c["level"] == "HT"))
        evidence = [("so_ca_nhan", f"so-ca-nhan-{school_class.name}-tieng-anh.png", _scan(self.rng, 2)),
                    ("bai_kiem_tra", f"bai-noi-{pupil.code}.png", _scan(self.rng, 1))]
        self.at(asked, 3, lambda: corrections.request_correction(
            cx.db, teacher, class_id=school_class.id, pupil_id=pupil.id, milestone=milestone, field="level",
            new_value="HTT", subject_id=self.ids["NN1"], evidence=evidence, on=asked,
            reason=_("Em đã làm bài kiểm tra nói bổ sung đạt yêu cầu; giáo viên nhập thiếu khi khóa sổ.")))


def _scan(rng: random.Random, lines: int) -> bytes:
    """A tiny greyscale PNG standing for a phone photo of a page: ruled lines and a few marks of ink."""
    width, height = 48, 64
    rows = []
    for y in range(height):
        row = bytearray([250] * width)
        if y % 8 == 7:
            row = bytearray([200] * width)
        if y // 8 < lines + 1 and y % 8 in (3, 4):
            for x in range(6, width - 6):
                if rng.random() < 0.5:
                    row[x] = 40
        rows.append(b"\x00" + bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))
