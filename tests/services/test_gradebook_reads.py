"""What the gradebook tab offers each actor: classes, subjects, the traits grid, results."""

import datetime as dt

from nk_desktop.actor import SYSTEM
from nk_desktop.services import gradebook, school
from nk_desktop.services.permissions import Role

IN_TERM_1 = dt.date(2026, 11, 30)  # GK1 closed (week 8), CK1 open (week 17)


def _names(choices):
    return [c.name for c in choices.classes]


def test_leaders_see_every_class_and_every_subject_of_the_grade(db, people, principal, year_id):
    choices = gradebook.gradebook_choices(db, principal, on=IN_TERM_1)
    assert choices.year_id == year_id and choices.current_milestone == "CK1"
    assert _names(choices) == ["4A", "4B"]
    with db.read() as session:
        grade_4 = [s.name for s, _e in school.grade_subjects(session, year_id, 4)]
    four_a = choices.classes[0]
    assert [s.name for s in four_a.subjects] == grade_4
    assert four_a.traits and four_a.results and not four_a.may_record_results
    assert not any(s.may_enter for s in four_a.subjects)
    math = next(s for s in four_a.subjects if s.name == "Toán")
    assert "CK1" in math.tested_milestones


def test_a_subject_teacher_sees_only_their_subjects(db, people):
    choices = gradebook.gradebook_choices(db, people.actors[Role.GV_BO_MON], on=IN_TERM_1)
    assert _names(choices) == ["4B"]
    four_b = choices.classes[0]
    assert [(s.name, s.may_enter) for s in four_b.subjects] == [("Ngoại ngữ 1", True)]
    assert not four_b.traits and not four_b.results


def test_the_homeroom_teacher_gets_the_traits_and_results_of_their_class(db, people):
    teacher = people.actors[Role.GV_CHU_NHIEM]
    only_traits = gradebook.gradebook_choices(db, teacher, on=IN_TERM_1).classes
    assert [(c.name, c.subjects, c.traits, c.may_record_results) for c in only_traits] == [("4A", (), True, True)]
    school.assign_teacher(db, SYSTEM, people.class_4a, people.math, teacher.staff_id)
    four_a = gradebook.gradebook_choices(db, teacher, on=IN_TERM_1).classes[0]
    assert [(s.name, s.may_enter) for s in four_a.subjects] == [("Toán", True)]


def test_staff_without_gradebook_rights_get_no_class(db, people):
    assert gradebook.gradebook_choices(db, people.actors[Role.KE_TOAN], on=IN_TERM_1).classes == []


def test_the_current_milestone_follows_the_entry_weeks(db, principal):
    assert gradebook.gradebook_choices(db, principal, on=dt.date(2026, 10, 1)).current_milestone == "GK1"
    assert gradebook.gradebook_choices(db, principal, on=dt.date(2027, 7, 1)).current_milestone == "CN"
