"""A realistic demo school, the same every time for the same seed and date (``nk-admin demo``).

Trường Tiểu học Nguyễn Khuyến with the current school year and the one before: 25 classes
(1A…5E) a year with homeroom teachers and rooms, the teaching assignments, six subject groups,
about 50 staff, about 900 pupils with their enrolment history and a few transfers, and one
login for every role.  Names, dates, codes and assignments come from ``random.Random`` seeded
with *seed* (record ids stay random).  Everything is written by ``SYSTEM`` through the capture
path: journaled and audited like any change.  Last year's stays end the day after that year's
last day (``het_nam``); this year's grades 2–5 are last year's classes one grade up, with a
few pupils who came over the summer (``chuyen_den``) and transfers in and out during each year.

Usernames (every account uses the password given, with no forced change at first login):

=====================================  ==========================================================
``hieutruong``                         Hiệu trưởng (the account ``init_school`` makes, linked to
                                       the principal's staff record)
``phohieutruong``, ``phohieutruong2``  the two Phó hiệu trưởng
``quantri``                            Quản trị CSDL: the Tin học teacher's second account
                                       (a teacher kiêm nhiệm, regulation §15)
``vanthu``, ``yte``                    the clerk's two accounts: Văn thư, and Y tế, which the
                                       regulation gives the clerk kiêm nhiệm
``ketoan``, ``thuvien``, ``thietbi``   Kế toán, Thư viện, Thiết bị
``totruong1`` … ``totruong5``          head of Tổ *g* (the grade-*g* group) and homeroom teacher
                                       of class *g*\\ A: tổ trưởng + GVCN + GV bộ môn
``gv`` + class, e.g. ``gv4b``          every other homeroom teacher (GVCN + GV bộ môn), named
                                       after the class they lead this year (1B…5E)
``gv.tienganh1``, ``gv.tienganh2``,    the specialist teachers (GV bộ môn); ``gv.tienganh1``
``gv.tinhoc``, ``gv.amnhac``,          also heads Tổ chuyên biệt
``gv.mythuat``, ``gv.theduc1``,
``gv.theduc2``
=====================================  ==========================================================

If the password is shorter than the default policy (8 characters) but at least 6, the demo
school's minimum length is lowered to the password's length so that e.g. ``demo123`` works.

After the school itself, the demo writes what a year of work leaves behind, up to the date
*on* (today by default) and never beyond it, in the order it happened (``Step``: one dated
unit of work, run in date order so that the audit log reads as the story):

* the gradebook (``demo_marks``): last year complete, with results recorded, approved, a few
  summer re-assessments and the principal's decisions; this year every milestone whose
  deadline has passed, locked, and the next one in progress with a few gaps; a handful of edit
  histories the review screens should flag, and two correction requests;
* the roll (``demo_attendance``): every school day of this year, one class that has not taken
  the last school day's roll, a few absence streaks, and the months' sheets at each step of
  their paper trail;
* the vice-principal's monthly gradebook checks (``demo_checks``, Điều 4.1): most classes, each
  month ended, with a remark on the class size.

Each of those is written by the person who does it in the school (the teacher's, the
principal's, the clerk's account), so the audit log shows their names; bulk entries go
through ``capture.bulk_insert`` and are journaled and audited row by row like any change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import secrets
import uuid
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nk_desktop.actor import SYSTEM, Actor
from nk_desktop.clock import today, utcnow
from nk_desktop.db import Database
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _
from nk_desktop.models.accounts import Account, AccountRole
from nk_desktop.models.pupils import Enrolment, Pupil
from nk_desktop.models.school import SchoolClass, SchoolYear, Subject, TeachingAssignment, TeachingWeek
from nk_desktop.models.staff import StaffMember
from nk_desktop.services import accounts, school
from nk_desktop.services.calendar import WorkCalendar, work_calendar
from nk_desktop.services.permissions import Role
from nk_desktop.services.setup import PRINCIPAL_USERNAME, first_teaching_monday, init_school, school_year_of
from nk_desktop.services.staff import _create_staff
from nk_desktop.sync.capture import bulk_insert
from nk_desktop.text import fold, join_name

SCHOOL_NAME = "Trường Tiểu học Nguyễn Khuyến"
ADDRESS = "số 2 Lê Lợi, phường Cầu Đất, thành phố Hải Phòng"
PLACE_NAME = "Cầu Đất"
WARD = "phường Cầu Đất"
CITY = "thành phố Hải Phòng"
# The header body: the ward's People's Committee since the two-tier reform, the district office before.
BODY_AFTER_REFORM = "UBND PHƯỜNG CẦU ĐẤT"
BODY_BEFORE_REFORM = "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN NGÔ QUYỀN"

GRADES = range(1, 6)
LETTERS = "ABCDE"
MAX_CLASS_SIZE = 35  # TT28/2020 Art. 16
DEMO_MIN_PASSWORD = 6  # the lowest minimum the password policy accepts

# --- names ---------------------------------------------------------------------------------

# Family names weighted roughly as in the population of the North (Nguyễn ≈ 38–40 %).
FAMILY_NAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4.5), ("Huỳnh", 0.5),
    ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 0.5), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3),
    ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đào", 1), ("Đinh", 0.8), ("Trịnh", 0.7), ("Đoàn", 0.6),
    ("Mai", 0.5), ("Lương", 0.4), ("Tô", 0.3), ("Lưu", 0.3), ("Cao", 0.3),
)
WOMEN_MIDDLE = (("Thị", 45), ("Thu", 8), ("Minh", 5), ("Ngọc", 6), ("Thanh", 7), ("Hồng", 6), ("Thuý", 3),
                ("Phương", 4), ("Kim", 3), ("Bích", 3), ("Thị Thu", 3), ("Thị Hồng", 2), ("Mai", 2), ("Hải", 2))
WOMEN_GIVEN = ("Lan", "Hương", "Hoà", "Thuý", "Ánh", "Ngọc", "Yến", "Hà", "Trang", "Nhung", "Hằng", "Thảo",
               "Linh", "Huyền", "Thu", "Mai", "Hạnh", "Phương", "Dung", "Hiền", "Hoa", "Loan", "Nga", "Oanh",
               "Quyên", "Thuỷ", "Vân", "Xuân", "Liên", "Tâm", "Giang", "Huệ", "My", "Nhàn", "Thắm", "Uyên",
               "Duyên", "Lụa", "Tuyết")
MEN_MIDDLE = (("Văn", 40), ("Minh", 8), ("Đức", 8), ("Quang", 6), ("Mạnh", 4), ("Hữu", 5), ("Xuân", 4),
              ("Thanh", 4), ("Ngọc", 3), ("Trọng", 3), ("Đình", 4), ("Công", 4), ("Tiến", 3), ("Quốc", 4))
MEN_GIVEN = ("Đức", "Dũng", "Ân", "Hùng", "Tuấn", "Minh", "Hải", "Long", "Nam", "Quang", "Sơn", "Thắng",
             "Trung", "Việt", "Cường", "Hiếu", "Hoà", "Khánh", "Phong", "Thành", "Tùng", "Bình", "Công",
             "Huy", "Lâm", "Toàn", "Vinh", "Hưng", "Tiến", "Mạnh", "Chiến", "Thịnh")

BOYS_MIDDLE = (("Văn", 6), ("Minh", 16), ("Đức", 10), ("Quang", 9), ("Gia", 10), ("Hoàng", 7), ("Anh", 5),
               ("Bảo", 6), ("Đăng", 5), ("Nhật", 5), ("Hải", 4), ("Tuấn", 4), ("Trung", 3), ("Thành", 3),
               ("Duy", 4), ("Tiến", 2), ("Khánh", 3), ("Ngọc", 2), ("Hữu", 2), ("Trọng", 2))
BOYS_GIVEN = ("Anh", "Bảo", "Khang", "Khôi", "Phúc", "Huy", "Minh", "Nam", "Long", "Quân", "Hưng", "Đạt",
              "Duy", "Kiên", "Lâm", "Phong", "Sơn", "Thành", "Tùng", "Vinh", "Hiếu", "Đăng", "Khoa",
              "Nguyên", "Trí", "Tú", "Việt", "An", "Bách", "Dũng", "Đức", "Hoàng", "Hải", "Lộc", "Nhật",
              "Tuấn", "Phát", "Thịnh", "Hào", "Kiệt", "Thái", "Toàn", "Vũ", "Ân", "Quang", "Hoà")
GIRLS_MIDDLE = (("Thị", 6), ("Ngọc", 14), ("Khánh", 9), ("Bảo", 9), ("Minh", 9), ("Thu", 5), ("Phương", 6),
                ("Hà", 5), ("Gia", 4), ("Quỳnh", 5), ("Thảo", 4), ("Diệu", 3), ("Tuệ", 3), ("Mai", 4),
                ("Hoài", 2), ("An", 3), ("Trúc", 2), ("Thanh", 3), ("Kim", 2), ("Bích", 2), ("Thuỳ", 2))
GIRLS_GIVEN = ("An", "Anh", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hương", "Linh", "Lan", "My", "Ngân", "Ngọc",
               "Nhi", "Như", "Oanh", "Phương", "Quyên", "Thảo", "Thư", "Trang", "Trâm", "Uyên", "Vy", "Yến",
               "Ánh", "Châu", "Hạnh", "Huyền", "Khuê", "Loan", "Mai", "Nga", "Nhung", "Tâm", "Thủy", "Thuý",
               "Trinh", "Vân", "Xuân", "Đan", "Hoà", "Hòa", "Ngân", "Linh", "Anh")

# Minority families: (ethnic group, family names, birth registration provinces).
MINORITIES = (
    ("Tày", ("Hoàng", "Nông", "Lương", "Lục", "Triệu", "Ma"), ("020", "004", "031")),
    ("Mường", ("Bùi", "Đinh", "Quách", "Hà", "Xa"), ("017", "031")),
    ("Nùng", ("Hoàng", "Nông", "Lục", "Vi", "Chu"), ("020", "004", "031")),
    ("Hoa", ("Lý", "Trương", "Lâm", "Hứa", "Diệp", "Mạc"), ("031",)),
)
MINORITY_SHARE = 0.03

# Province codes of the personal ID (Bộ Công an) with the birthplace written in the pupil's record.
PROVINCES = {
    "031": "Hải Phòng", "030": "Hải Dương", "001": "Hà Nội", "022": "Quảng Ninh", "034": "Thái Bình",
    "033": "Hưng Yên", "036": "Nam Định", "020": "Lạng Sơn", "004": "Cao Bằng", "017": "Hòa Bình",
    "019": "Thái Nguyên",
}
BIRTH_PROVINCES = (("031", 86), ("030", 4), ("001", 3), ("022", 2), ("034", 2), ("033", 1), ("036", 2))

STREETS = ("Cầu Đất", "Lạch Tray", "Lê Lợi", "Lương Khánh Thiện", "Mê Linh", "Trần Phú", "Điện Biên Phủ",
           "Lê Lai", "Văn Cao", "Đà Nẵng", "Trần Nguyên Hãn", "Tô Hiệu", "Hai Bà Trưng", "Nguyễn Đức Cảnh",
           "Lê Thánh Tông", "Chu Văn An", "Đinh Tiên Hoàng", "Lý Thường Kiệt")
NEAR_WARDS = ("phường Ngô Quyền", "phường Gia Viên", "phường Lê Chân", "phường An Biên")
STAFF_WARDS = (WARD, WARD, "phường Ngô Quyền", "phường Gia Viên", "phường Lê Chân", "phường An Biên",
               "phường Hải An", "phường Kiến An", "phường Hồng Bàng", "xã An Dương")
FATHER_JOBS = ("Công nhân", "Kinh doanh", "Công chức", "Lao động tự do", "Kĩ sư", "Lái xe", "Bộ đội",
               "Nhân viên văn phòng", "Buôn bán", "Công an", "Giáo viên", "Bác sĩ", "Thợ điện", "Thuyền viên")
MOTHER_JOBS = ("Công nhân", "Kinh doanh", "Công chức", "Nội trợ", "Buôn bán", "Giáo viên", "Nhân viên văn phòng",
               "Kế toán", "Điều dưỡng", "Lao động tự do", "Thợ may", "Bác sĩ", "Nhân viên ngân hàng")
POLICY_KINDS = ("Hộ nghèo", "Hộ cận nghèo", "Con thương binh", "Con bệnh binh")
OTHER_SCHOOLS_NEAR = ("Trường Tiểu học Lạc Viên", "Trường Tiểu học Đằng Giang", "Trường Tiểu học Lê Văn Tám",
                      "Trường Tiểu học Lương Khánh Thiện", "Trường Tiểu học Đông Khê", "Trường Tiểu học Trần Văn Ơn")
FAR_PLACES = ("thành phố Hà Nội", "tỉnh Quảng Ninh", "tỉnh Hưng Yên", "Thành phố Hồ Chí Minh")
OTHER_SCHOOLS_FAR = ("Trường Tiểu học Kim Đồng", "Trường Tiểu học Thành Công", "Trường Tiểu học Lý Tự Trọng",
                     "Trường Tiểu học Nguyễn Trãi", "Trường Tiểu học Hoà Bình")

MOBILE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036", "037",
                   "038", "039", "081", "082", "083", "084", "085", "086", "088", "089", "070", "076", "077",
                   "078", "079", "056", "058", "059")

# Subject codes taught by specialists; every other subject of a grade is the homeroom teacher's.
SPECIALIST_SUBJECTS = {"NN1": "tienganh", "TH": "tinhoc", "AN": "amnhac", "MT": "mythuat", "GDTC": "theduc"}
# The specialist teachers (their usernames) with the share of women in such posts.
SPECIALISTS = (("gv.tienganh1", 0.85), ("gv.tienganh2", 0.9), ("gv.tinhoc", 0.4), ("gv.amnhac", 0.6),
               ("gv.mythuat", 0.5), ("gv.theduc1", 0.25), ("gv.theduc2", 0.35))


@dataclasses.dataclass
class StaffPlan:
    key: str  # what the demo calls the person: "hieutruong", "gv4b", "gv.tinhoc", "baove1"…
    fields: dict  # for ``staff._create_staff``
    id: uuid.UUID | None = None


class _Names:
    """Random Vietnamese people, with unique phones and personal IDs."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    def pick(self, weighted) -> str:
        names, weights = zip(*weighted)
        return self.rng.choices(names, weights)[0]

    def family(self) -> str:
        return self.pick(FAMILY_NAMES)

    def _name(self, middles, givens) -> tuple[str, str]:
        middle = self.pick(middles)
        while (given := self.rng.choice(givens)) == middle.split()[-1]:  # no "Thu Thu"
            pass
        return middle, given

    def adult(self, gender: str) -> tuple[str, str]:
        """(middle, given) of an adult."""
        return self._name(WOMEN_MIDDLE, WOMEN_GIVEN) if gender == "Nữ" else self._name(MEN_MIDDLE, MEN_GIVEN)

    def child(self, gender: str) -> tuple[str, str]:
        return self._name(GIRLS_MIDDLE, GIRLS_GIVEN) if gender == "Nữ" else self._name(BOYS_MIDDLE, BOYS_GIVEN)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choices("0123456789", k=7))
            if number not in self.phones:
                self.phones.add(number)
                return number

    def personal_id(self, province: str, gender: str, born: dt.date) -> str:
        """12 digits: province of birth registration, century+gender, year of birth, 6 random."""
        century = (born.year // 100 - 19) * 2 + (1 if gender == "Nữ" else 0)
        while True:
            number = f"{province}{century}{born.year % 100:02d}{self.rng.randrange(10 ** 6):06d}"
            if number not in self.ids:
                self.ids.add(number)
                return number

    def day_in(self, year: int) -> dt.date:
        start = dt.date(year, 1, 1)
        return start + dt.timedelta(days=self.rng.randrange((dt.date(year + 1, 1, 1) - start).days))

    def address(self, ward: str = WARD) -> str:
        number = self.rng.randint(1, 320)
        street = self.rng.choice(STREETS)
        if self.rng.random() < 0.35:
            return f"số {number} ngõ {self.rng.randint(2, 180)} {street}, {ward}, {CITY}"
        return f"số {number} {street}, {ward}, {CITY}"


# --- staff ---------------------------------------------------------------------------------

def _staff_plans(rng: random.Random, names: _Names) -> tuple[list[StaffPlan], dict[str, str]]:
    """The staff, in a fixed order, and the homeroom teacher (plan key) of each class this year."""
    plans: list[StaffPlan] = []

    def person(key: str, position: str, women: float, born: tuple[int, int]) -> StaffPlan:
        gender = "Nữ" if rng.random() < women else "Nam"
        middle, given = names.adult(gender)
        dob = names.day_in(rng.randint(*born))
        province = names.pick(BIRTH_PROVINCES)
        plan = StaffPlan(key, dict(
            family_name=names.family(), middle_name=middle, given_name=given, gender=gender,
            date_of_birth=dob, id_number=names.personal_id(province, gender, dob), phone=names.phone(),
            address=names.address(rng.choice(STAFF_WARDS)), position=position,
        ))
        plans.append(plan)
        return plan

    person("hieutruong", "Hiệu trưởng", 0.7, (1970, 1979))
    person("phohieutruong", "Phó hiệu trưởng", 0.85, (1972, 1984))
    person("phohieutruong2", "Phó hiệu trưởng", 0.85, (1975, 1986))
    homeroom: dict[str, str] = {}
    for grade in GRADES:
        for letter in LETTERS:
            name = f"{grade}{letter}"
            key = f"totruong{grade}" if letter == "A" else f"gv{name.lower()}"
            born = (1970, 1982) if letter == "A" else (1968, 2001)
            person(key, "Giáo viên", 0.95, born)
            homeroom[name] = key
    for key, women in SPECIALISTS:
        person(key, "Giáo viên", women, (1975, 2000))
    for number in (1, 2, 3):  # teachers of the second session and stand-ins, in the grade groups
        person(f"gv.du{number}", "Giáo viên", 0.9, (1985, 2002))
    person("tongphutrach", "Tổng phụ trách Đội", 0.6, (1988, 1999))
    person("vanthu", "Nhân viên văn thư", 0.9, (1978, 1995))
    person("ketoan", "Kế toán", 0.9, (1975, 1992))
    person("thuvien", "Nhân viên thư viện", 0.9, (1980, 1998))
    person("thietbi", "Nhân viên thiết bị", 0.6, (1978, 1996))
    for number in (1, 2):
        person(f"baove{number}", "Bảo vệ", 0.0, (1962, 1980))
    for number in (1, 2, 3):
        person(f"phucvu{number}", "Nhân viên phục vụ", 1.0, (1968, 1990))
    # Last year's homeroom teacher of one class, retired since (kept as history, no longer working).
    person("nghihuu", "Giáo viên", 1.0, (1965, 1966))
    plans[-1].fields["active"] = False
    # Two colleagues with the same full name, as happens: the clerk and a homeroom teacher.
    for plan in plans:
        if plan.key in ("vanthu", "gv2c"):
            fields = plan.fields
            if fields["gender"] != "Nữ":  # the personal ID encodes the gender: issue it anew
                names.ids.discard(fields["id_number"])
                fields["id_number"] = names.personal_id(fields["id_number"][:3], "Nữ", fields["date_of_birth"])
            fields.update(family_name="Nguyễn", middle_name="Thị", given_name="Hương", gender="Nữ")
    return plans, homeroom


# --- pupils --------------------------------------------------------------------------------

@dataclasses.dataclass
class Family:
    family_name: str
    ethnicity: str
    province: str
    fields: dict  # parents, phones, address, policy
    children_born: list[int]


@dataclasses.dataclass
class Stay:
    """One enrolment to write."""
    class_key: tuple[str, str]  # (year name, class name)
    start_date: dt.date
    start_reason: str = "dau_nam"
    came_from: str = ""
    end_date: dt.date | None = None
    end_reason: str = ""
    went_to: str = ""


class _Pupils:
    """Pupils (column dicts), their families and their stays, by pupil index."""

    def __init__(self, rng: random.Random, names: _Names):
        self.rng = rng
        self.names = names
        self.families: list[Family] = []
        self.pupils: list[dict] = []
        self.family_of: list[Family] = []
        self.stays: list[list[Stay]] = []
        self.moet_codes: set[str] = set()
        self.serials: dict[int, int] = {}

    def _family(self, birth_year: int) -> Family:
        rng, names = self.rng, self.names
        if self.families and rng.random() < 0.07:  # a brother or sister already at the school
            family = rng.choice(self.families)
            if all(abs(year - birth_year) > 1 for year in family.children_born):
                family.children_born.append(birth_year)
                return family
        if rng.random() < MINORITY_SHARE:
            ethnicity, family_names, provinces = rng.choice(MINORITIES)
            family_name, province = rng.choice(family_names), rng.choice(provinces)
        else:
            ethnicity, family_name, province = "Kinh", names.family(), names.pick(BIRTH_PROVINCES)
        father_middle, father_given = names.adult("Nam")
        mother_middle, mother_given = names.adult("Nữ")
        fields = {}
        if rng.random() < 0.96:
            fields.update(father_name=join_name(family_name, father_middle, father_given),
                          father_job=rng.choice(FATHER_JOBS), father_phone=names.phone())
        fields.update(mother_name=join_name(names.family(), mother_middle, mother_given),
                      mother_job=rng.choice(MOTHER_JOBS), mother_phone=names.phone())
        fields["contact_phone"] = (fields["mother_phone"] if "father_phone" not in fields or rng.random() < 0.7
                                   else fields["father_phone"])
        ward = WARD if rng.random() < 0.88 else rng.choice(NEAR_WARDS)
        fields["permanent_address"] = names.address(ward)
        fields["current_address"] = (fields["permanent_address"] if rng.random() < 0.9
                                     else names.address(WARD))
        if rng.random() < 0.02:
            fields.update(policy_family=True, policy_kind=rng.choice(POLICY_KINDS))
        family = Family(family_name, ethnicity, province, fields, [birth_year])
        self.families.append(family)
        return family

    def new(self, birth_year: int, entry_year: int, stays: list[Stay]) -> int:
        """A new pupil with their stays; returns the pupil's index."""
        rng, names = self.rng, self.names
        family = self._family(birth_year)
        gender = "Nữ" if rng.random() < 0.49 else "Nam"
        middle, given = names.child(gender)
        born = names.day_in(birth_year)
        province = family.province if family.ethnicity != "Kinh" or rng.random() < 0.85 else "031"
        while True:
            moet = "31" + "".join(rng.choices("0123456789", k=18))
            if moet not in self.moet_codes:
                self.moet_codes.add(moet)
                break
        self.serials[entry_year] = self.serials.get(entry_year, 0) + 1
        pupil = dict(
            family_name=family.family_name, middle_name=middle, given_name=given, gender=gender,
            date_of_birth=born, ethnicity=family.ethnicity, birthplace=PROVINCES[province],
            personal_id=names.personal_id(province, gender, born), moet_code=moet,
            school_code=f"NK{entry_year % 100:02d}{self.serials[entry_year]:03d}", **family.fields,
        )
        self.pupils.append(pupil)
        self.family_of.append(family)
        self.stays.append(stays)
        return len(self.pupils) - 1

    def rename_like(self, index: int, other: int) -> None:
        """Give pupil *index* the full name of pupil *other* (two children in a class with one name)."""
        pupil, model = self.pupils[index], self.pupils[other]
        for part in ("family_name", "middle_name", "given_name", "gender"):
            pupil[part] = model[part]
        self.names.ids.discard(pupil["personal_id"])
        pupil["personal_id"] = self.names.personal_id(pupil["personal_id"][:3], pupil["gender"],
                                                      pupil["date_of_birth"])
        if pupil.get("father_name"):
            pupil["father_name"] = f'{pupil["family_name"]} {pupil["father_name"].split(" ", 1)[1]}'


def _working_days(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        return []
    calendar = work_calendar(session, first.year, last.year)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            if calendar.is_working_day(first + dt.timedelta(days=n))]


def _plan_pupils(rng: random.Random, names: _Names, session: Session, prev: SchoolYear, cur: SchoolYear,
                 reference: dt.date) -> _Pupils:
    """Every pupil with their stays: this year's classes, last year's, and the transfers."""
    pupils = _Pupils(rng, names)
    y = cur.start_date.year
    year_over = prev.end_date + dt.timedelta(days=1)  # the first day out of last year's class
    prev_days = _working_days(session, prev.start_date + dt.timedelta(days=21), prev.end_date - dt.timedelta(days=21))
    cur_days = _working_days(session, cur.start_date + dt.timedelta(days=7), reference - dt.timedelta(days=1))

    def elsewhere(near: bool) -> str:
        if near:
            return f"{rng.choice(OTHER_SCHOOLS_NEAR)}, {CITY}"
        return f"{rng.choice(OTHER_SCHOOLS_FAR)}, {rng.choice(FAR_PLACES)}"

    sizes = {(g, letter): rng.choice((34, 35, 35, 35)) for g in GRADES for letter in LETTERS}
    rosters: dict[tuple[int, str], list[int]] = {}
    for grade in GRADES:
        for letter in LETTERS:
            name, below = f"{grade}{letter}", f"{grade - 1}{letter}"
            roster = []
            for _n in range(sizes[(grade, letter)]):
                stays = [Stay((cur.name, name), cur.start_date)]
                entry = y - grade + 1
                if grade >= 2 and rng.random() < 0.025:  # came over the summer from another school
                    stays[0].start_reason, stays[0].came_from = "chuyen_den", elsewhere(rng.random() < 0.6)
                    entry = y
                elif grade >= 2:
                    stays.insert(0, Stay((prev.name, below), prev.start_date, end_date=year_over,
                                         end_reason="het_nam"))
                    if rng.random() < 0.008 and prev_days:  # arrived during last year
                        stays[0].start_date = rng.choice(prev_days)
                        stays[0].start_reason, stays[0].came_from = "chuyen_den", elsewhere(rng.random() < 0.5)
                        entry = y - 1
                roster.append(pupils.new(y - 5 - grade, entry, stays))
            rosters[(grade, letter)] = roster
            if rng.random() < 0.2:  # two children with one full name in the class
                only_children = [i for i in roster if len(pupils.family_of[i].children_born) == 1]
                a, b = rng.sample(only_children, 2)
                pupils.rename_like(b, a)
    # Last year: pupils who left during the year, and the grade-5 classes that finished primary school.
    for grade in range(1, 5):
        for letter in LETTERS:
            stayed = sum(len(pupils.stays[i]) == 2 for i in rosters[(grade + 1, letter)])
            if prev_days and rng.random() < 0.3 and stayed < MAX_CLASS_SIZE:
                stay = Stay((prev.name, f"{grade}{letter}"), prev.start_date, end_date=rng.choice(prev_days),
                            end_reason="chuyen_di", went_to=elsewhere(rng.random() < 0.4))
                pupils.new(y - 1 - 5 - grade, y - grade, [stay])
    for letter in LETTERS:
        for _n in range(rng.choice((33, 34, 35))):
            pupils.new(y - 11, y - 5, [Stay((prev.name, f"5{letter}"), prev.start_date, end_date=year_over,
                                            end_reason="het_nam")])
    # This year: a handful of transfers out, then in (never above the legal class size).
    if cur_days:
        ever = {key: len(r) for key, r in rosters.items()}
        for _n in range(rng.randint(4, 7)):
            key = rng.choice(sorted(rosters))
            stay = pupils.stays[rng.choice(rosters[key])][-1]
            if stay.end_date is None and stay.start_reason == "dau_nam":
                stay.end_date, stay.end_reason = rng.choice(cur_days), "chuyen_di"
                stay.went_to = elsewhere(rng.random() < 0.5)
        for _n in range(rng.randint(3, 6)):
            open_keys = [k for k in sorted(rosters) if ever[k] < MAX_CLASS_SIZE]
            if not open_keys:
                break
            grade, letter = rng.choice(open_keys)
            day = rng.choice(cur_days)
            pupils.new(y - 5 - grade, y, [Stay((cur.name, f"{grade}{letter}"), day, start_reason="chuyen_den",
                                              came_from=elsewhere(rng.random() < 0.5))])
            ever[(grade, letter)] += 1
    return pupils


# --- a year of work: what the marks and the roll share ------------------------------------

@dataclasses.dataclass(frozen=True)
class Step:
    """One dated unit of work (a teacher's entries, a lock, a month's roll…); run in date order."""

    day: dt.date
    order: int  # among the steps of one day: 0 roll, 1 marks, 2 locks and approvals, 3 corrections
    run: Callable[[], None]


@dataclasses.dataclass(frozen=True)
class DemoPupil:
    id: uuid.UUID
    code: str  # the school's pupil code: unique and the same for the same seed (ids are random)
    full_name: str


@dataclasses.dataclass
class DemoContext:
    """The school as written so far, loaded once: years, classes, subjects, teachers, pupils, people."""

    db: Database
    seed: int
    on: dt.date
    prev: SchoolYear
    cur: SchoolYear
    classes: dict[uuid.UUID, list[SchoolClass]]  # year id → classes in name order
    subjects: dict[tuple[uuid.UUID, int], list[tuple[Subject, tuple[str, ...]]]]  # (year, grade) → tested
    teacher: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID]  # (class, subject) → staff id
    pupils: dict[uuid.UUID, DemoPupil]
    stays: dict[uuid.UUID, list[tuple[uuid.UUID, dt.date, dt.date | None]]]  # class → (pupil, start, end)
    people: dict[str, Actor]  # username → actor
    by_staff: dict[uuid.UUID, Actor]  # staff id → the account they teach with
    calendar: WorkCalendar
    weeks: dict[uuid.UUID, dict[int, TeachingWeek]]  # year id → number → week

    @property
    def classes_by_id(self) -> dict[uuid.UUID, SchoolClass]:
        return {c.id: c for year_classes in self.classes.values() for c in year_classes}

    def actor_of(self, staff_id: uuid.UUID | None) -> Actor:
        """The teacher's account; ``SYSTEM`` for last year's colleague who has retired (no account)."""
        return self.by_staff.get(staff_id, SYSTEM)

    def homeroom(self, school_class: SchoolClass) -> Actor:
        return self.actor_of(school_class.homeroom_id)

    def enrolled(self, class_id: uuid.UUID, *days: dt.date) -> list[DemoPupil]:
        """Pupils in the class on any of *days*, by pupil code (a stable order for the random draws)."""
        ids = {pupil_id for pupil_id, start, end in self.stays[class_id]
               if any(start <= day and (end is None or day < end) for day in days)}
        return sorted((self.pupils[i] for i in ids), key=lambda p: p.code)

    def school_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
                if self.calendar.is_working_day(first + dt.timedelta(days=n))]

    def week_days(self, year: SchoolYear, number: int) -> list[dt.date]:
        """The working days of teaching week *number* (Monday first)."""
        week = self.weeks[year.id][number]
        return self.school_days(week.start_date, week.end_date)


def load_context(db: Database, seed: int, on: dt.date) -> DemoContext:
    current_name = school_year_of(on)
    first = int(current_name[:4])
    with db.read() as session:
        cur = school.year_by_name(session, current_name)
        prev = school.year_by_name(session, f"{first - 1}-{first}")
        classes, subjects, weeks = {}, {}, {}
        for year in (prev, cur):
            classes[year.id] = sorted(session.scalars(select(SchoolClass).where(
                SchoolClass.year_id == year.id, SchoolClass.deleted.is_(False))), key=lambda c: c.name)
            for grade in GRADES:
                subjects[(year.id, grade)] = [
                    (subject, tuple(m for m in entry.tested_milestones.split(",") if m))
                    for subject, entry in school.grade_subjects(session, year.id, grade)]
            weeks[year.id] = {w.number: w for w in session.scalars(select(TeachingWeek).where(
                TeachingWeek.year_id == year.id, TeachingWeek.deleted.is_(False)))}
        teacher = {(a.class_id, a.subject_id): a.staff_id for a in session.scalars(
            select(TeachingAssignment).where(TeachingAssignment.deleted.is_(False)))}
        pupils = {p.id: DemoPupil(p.id, p.school_code, p.full_name) for p in session.scalars(select(Pupil))}
        stays: dict[uuid.UUID, list] = {c.id: [] for year_classes in classes.values() for c in year_classes}
        for e in session.scalars(select(Enrolment).where(Enrolment.deleted.is_(False))):
            stays[e.class_id].append((e.pupil_id, e.start_date, e.end_date))
        people, by_staff = {}, {}
        for account in session.scalars(select(Account).where(Account.deleted.is_(False))
                                       .order_by(Account.username)):
            actor = accounts.actor_for(session, account)
            people[account.username] = actor
            # quantri and yte are second accounts of a teacher and of the clerk: not the ones they teach with
            if actor.staff_id and actor.has(Role.GV_BO_MON.value, Role.GV_CHU_NHIEM.value):
                by_staff[actor.staff_id] = actor
        calendar = work_calendar(session, prev.start_date.year, cur.end_date.year)
    return DemoContext(db, seed, on, prev, cur, classes, subjects, teacher, pupils, stays, people, by_staff,
                       calendar, weeks)


def run_steps(steps: list[Step]) -> None:
    """Run the steps in date order (a stable sort: same-day steps keep their order of planning)."""
    for step in sorted(steps, key=lambda s: (s.day, s.order)):
        step.run()


# --- the build -----------------------------------------------------------------------------

def _check_password(password: str) -> None:
    """Refuse, before anything is written, a password some demo account could not get."""
    if len(password) < DEMO_MIN_PASSWORD:
        raise ValidationError(_("Mật khẩu của trường mẫu phải có ít nhất {n} kí tự.").format(n=DEMO_MIN_PASSWORD),
                              field="password")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"\d", password):
        raise ValidationError(_("Mật khẩu phải có cả chữ và số."), field="password")
    lowered = password.lower()
    for username in demo_usernames():
        if username in lowered:
            raise ValidationError(_("Mật khẩu không được chứa tên đăng nhập {name}.").format(name=username),
                                  field="password")


def demo_usernames() -> list[str]:
    """Every account of the demo school, in the order they are made."""
    names = [PRINCIPAL_USERNAME, "phohieutruong", "phohieutruong2", "quantri", "vanthu", "yte", "ketoan",
             "thuvien", "thietbi"]
    names += [f"totruong{g}" if letter == "A" else f"gv{g}{letter.lower()}" for g in GRADES for letter in LETTERS]
    return names + [key for key, _women in SPECIALISTS]


def governing_body(start: dt.date) -> str:
    return BODY_AFTER_REFORM if start >= school.GOVERNING_BODY_REFORM else BODY_BEFORE_REFORM


def _room(name: str) -> str:
    """Grades 1–2 on the ground floor, 3–4 on the first, 5 on the second: "Phòng 104"."""
    grade, index = int(name[0]), LETTERS.index(name[1])
    floor, first = {1: (1, 0), 2: (1, 5), 3: (2, 0), 4: (2, 5), 5: (3, 0)}[grade]
    return f"Phòng {floor}{first + index + 1:02d}"


def _specialist_for(code: str, grade: int, letter: str, specialists: dict[str, list[str]]) -> str:
    """Which specialist teaches *code* in a class: the first teacher takes the lower classes."""
    teachers = specialists[code]
    if len(teachers) == 1:
        return teachers[0]
    classes = [(g, x) for g in (range(3, 6) if code == "NN1" else GRADES) for x in LETTERS]
    half = (len(classes) + 1) // 2
    return teachers[0] if classes.index((grade, letter)) < half else teachers[1]


def _logins(homeroom: dict[str, str], specialists: dict[str, list[str]]) -> list[tuple[str, str, list[Role]]]:
    """(username, staff plan key, roles) of every demo account but the principal's."""
    logins = [
        ("phohieutruong", "phohieutruong", [Role.PHO_HIEU_TRUONG]),
        ("phohieutruong2", "phohieutruong2", [Role.PHO_HIEU_TRUONG]),
        ("quantri", "gv.tinhoc", [Role.QUAN_TRI_CSDL]),
        ("vanthu", "vanthu", [Role.VAN_THU]),
        ("yte", "vanthu", [Role.Y_TE]),
        ("ketoan", "ketoan", [Role.KE_TOAN]),
        ("thuvien", "thuvien", [Role.THU_VIEN]),
        ("thietbi", "thietbi", [Role.THIET_BI]),
    ]
    for grade in GRADES:
        for letter in LETTERS:
            key = homeroom[f"{grade}{letter}"]
            head = [Role.TO_TRUONG_CM] if key.startswith("totruong") else []
            logins.append((key, key, head + [Role.GV_CHU_NHIEM, Role.GV_BO_MON]))
    for code in SPECIALIST_SUBJECTS:
        for key in specialists[code]:
            head = [Role.TO_TRUONG_CM] if key == "gv.tienganh1" else []
            logins.append((key, key, [Role.GV_BO_MON] + head))
    return logins


def build_demo_school(db: Database, password: str, *, seed: int = 2026, on: dt.date | None = None) -> str:
    """Fill an empty database with the demo school; returns a one-line Vietnamese summary."""
    _check_password(password)
    reference = on or today()
    rng_staff = random.Random(f"nk-demo:{seed}:staff")
    rng_pupils = random.Random(f"nk-demo:{seed}:pupils")
    rng_history = random.Random(f"nk-demo:{seed}:history")

    # The school, the principal's account and the current year; a short demo password needs a
    # policy the bootstrap cannot have yet, so the principal gets it once the policy is lowered.
    short = len(password) < 8
    bootstrap = secrets.token_hex(8) + "a1" if short else password
    init_school(db, SCHOOL_NAME, bootstrap, address=ADDRESS, place_name=PLACE_NAME, on=reference)
    if short:
        accounts.set_password_policy(db, SYSTEM, min_length=len(password), max_age_days=90)
    current_name = school_year_of(reference)
    first = int(current_name[:4])
    prev_name = f"{first - 1}-{first}"
    prev_monday = first_teaching_monday(first - 1)
    school.create_school_year(db, SYSTEM, prev_name, prev_monday, governing_body=governing_body(prev_monday))

    names = _Names(rng_staff)
    plans, homeroom = _staff_plans(rng_staff, names)
    by_key = {p.key: p for p in plans}

    password_hash = accounts.hash_password(password)
    with db.write(SYSTEM) as session:
        if short:
            principal = session.scalar(select(Account).where(Account.username == PRINCIPAL_USERNAME))
            principal.password_hash = password_hash
            principal.must_change_password = False
        cur = school.year_by_name(session, current_name)
        prev = school.year_by_name(session, prev_name)
        for year in (prev, cur):
            body = governing_body(year.start_date)
            if year.governing_body != body:
                year.governing_body = body

        for plan in plans:
            plan.id = _create_staff(session, dict(plan.fields)).id
        profile = school.school_profile(session)
        profile.principal_id = by_key["hieutruong"].id
        session.scalar(select(Account).where(Account.username == PRINCIPAL_USERNAME)).staff_id = \
            by_key["hieutruong"].id

        # Homeroom teachers: this year's as planned; last year most taught the same class, a few
        # pairs of a grade swapped, and one class had the colleague who has retired since.
        last_homeroom = dict(homeroom)
        for grade in GRADES:
            if rng_history.random() < 0.5:
                a, b = rng_history.sample(LETTERS[1:], 2)
                last_homeroom[f"{grade}{a}"], last_homeroom[f"{grade}{b}"] = (
                    last_homeroom[f"{grade}{b}"], last_homeroom[f"{grade}{a}"])
        replaced = rng_history.choice([n for n, k in last_homeroom.items() if k.startswith("gv")])
        last_homeroom[replaced] = "nghihuu"
        classes: dict[tuple[str, str], SchoolClass] = {}
        for year, teachers in ((prev, last_homeroom), (cur, homeroom)):
            for grade in GRADES:
                for letter in LETTERS:
                    name = f"{grade}{letter}"
                    classes[(year.name, name)] = school._create_class(
                        session, year.id, name, by_key[teachers[name]].id, _room(name))

        # Subject groups: one per grade (its homeroom teachers; the class-A teacher heads it) and
        # the specialists' group (with the library and equipment staff, TT28 Art. 14).
        specialists = {code: sorted(k for k in by_key if k.startswith(f"gv.{stem}"))
                       for code, stem in SPECIALIST_SUBJECTS.items()}
        spare = {"gv.du1": 1, "gv.du2": 3, "gv.du3": 5}  # the group each spare teacher belongs to
        for year, teachers in ((prev, last_homeroom), (cur, homeroom)):
            for grade in GRADES:
                members = [by_key[teachers[f"{grade}{letter}"]].id for letter in LETTERS]
                members += [by_key[k].id for k, g in spare.items() if g == grade]
                school._create_group(session, year.id, f"Tổ {grade}", by_key[f"totruong{grade}"].id, members)
            special = [by_key[k].id for code in SPECIALIST_SUBJECTS for k in specialists[code]]
            special += [by_key["thuvien"].id, by_key["thietbi"].id]
            school._create_group(session, year.id, "Tổ chuyên biệt", by_key["gv.tienganh1"].id, special)

        # Teaching assignments, both years: specialists for their subjects, the homeroom teacher for the rest.
        rows = []
        for year, teachers in ((prev, last_homeroom), (cur, homeroom)):
            for grade in GRADES:
                for subject, _entry in school.grade_subjects(session, year.id, grade):
                    for letter in LETTERS:
                        if subject.code in specialists:
                            key = _specialist_for(subject.code, grade, letter, specialists)
                        else:
                            key = teachers[f"{grade}{letter}"]
                        rows.append(dict(year_id=year.id, class_id=classes[(year.name, f"{grade}{letter}")].id,
                                         subject_id=subject.id, staff_id=by_key[key].id))
        session.flush()
        bulk_insert(session, TeachingAssignment, rows)

        # Pupils and their enrolments.
        pupil_names = _Names(rng_pupils)
        pupil_names.phones, pupil_names.ids = names.phones, names.ids  # unique across staff and pupils
        roll = _plan_pupils(rng_pupils, pupil_names, session, prev, cur, reference)
        pupil_rows = [dict(row, folded_name=fold(join_name(row["family_name"], row["middle_name"],
                                                            row["given_name"])))
                      for row in roll.pupils]
        pupil_ids = bulk_insert(session, Pupil, pupil_rows)
        enrolments = [
            dict(pupil_id=pupil_id, class_id=classes[stay.class_key].id, start_date=stay.start_date,
                 start_reason=stay.start_reason, came_from=stay.came_from, end_date=stay.end_date,
                 end_reason=stay.end_reason, went_to=stay.went_to)
            for pupil_id, stays in zip(pupil_ids, roll.stays) for stay in stays
        ]
        bulk_insert(session, Enrolment, enrolments)

        # One login for every role (the scheme is in the module docstring).  Every account has the
        # same password, so it is hashed once: Argon2 costs ~0.1 s a hash, seconds for 40 accounts.
        account_rows, role_rows = [], []
        for username, key, roles in _logins(homeroom, specialists):
            name = accounts._check_username(session, username)
            accounts.check_password_policy(session, password, username=name)
            account_id = uuid.uuid4()
            account_rows.append(dict(id=account_id, username=name, staff_id=by_key[key].id,
                                     password_hash=password_hash, password_changed_at=utcnow(),
                                     must_change_password=False, active=True))
            role_rows += [dict(account_id=account_id, role=role.value) for role in roles]
        bulk_insert(session, Account, account_rows)
        bulk_insert(session, AccountRole, role_rows)
        cur_id, start = cur.id, cur.start_date

    # A year of work up to *on*: the gradebook and the roll, in the order it happened.
    from nk_desktop.services import demo_attendance, demo_checks, demo_marks  # they build on this module

    context = load_context(db, seed, reference)
    marks = demo_marks.plan(context)
    roll = demo_attendance.plan(context)
    run_steps(marks.steps + roll.steps + demo_checks.plan(context))

    with db.read() as session:
        day = max(reference, start)
        pupils = session.scalar(
            select(func.count(func.distinct(Enrolment.pupil_id)))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.year_id == cur_id, Enrolment.deleted.is_(False), Enrolment.start_date <= day,
                   (Enrolment.end_date.is_(None)) | (Enrolment.end_date > day))
        )
        n_classes = session.scalar(select(func.count(SchoolClass.id)).where(
            SchoolClass.year_id == cur_id, SchoolClass.deleted.is_(False)))
        n_staff = session.scalar(select(func.count(StaffMember.id)).where(
            StaffMember.deleted.is_(False), StaffMember.active.is_(True)))
        n_accounts = session.scalar(select(func.count(Account.id)).where(Account.deleted.is_(False)))
    return _(
        "Đã tạo trường mẫu {school}, năm học {year}: {classes} lớp, {pupils} học sinh, {staff} cán bộ, "
        "{accounts} tài khoản (hieutruong, phohieutruong, quantri, totruong1…5, gv1b…gv5e, gv.tienganh1…; "
        "mật khẩu: {password}). {marks} {roll}"
    ).format(school=SCHOOL_NAME, year=current_name, classes=n_classes, pupils=pupils, staff=n_staff,
             accounts=n_accounts, password=password, marks=marks.summary, roll=roll.summary).rstrip()
