"""The comment bank kept in the database: read in one query, a phrase added by who may enter the cells."""

import pytest
from sqlalchemy import select

from nk_desktop.errors import PermissionDenied, ValidationError
from nk_desktop.models.gradebook import CommentTemplate
from nk_desktop.models.journal import AuditEntry
from nk_desktop.services import gradebook
from nk_desktop.services.permissions import Role

from .test_gradebook import marks  # noqa: F401  (fixture)


def test_a_teacher_adds_phrases_for_their_subject_and_for_the_traits(db, marks, principal):
    gradebook.add_comment_phrase(db, marks.teacher, marks.class_id, "  Tính  nhẩm tốt. ", "T",
                                 subject_id=marks.math)
    gradebook.add_comment_phrase(db, marks.teacher, marks.class_id, "Chăm ngoan.", "HT", subject_id=marks.math,
                                 every_subject=True)
    gradebook.add_comment_phrase(db, marks.teacher, marks.class_id, "Lễ phép với thầy cô.", "Đ")  # a trait phrase
    bank = gradebook.comment_bank(db, principal, marks.class_id)
    assert [(p.subject_id, p.level, p.text) for p in bank] == [
        (marks.math, "HTT", "Tính nhẩm tốt."), (None, "HT", "Chăm ngoan."), (None, "DAT", "Lễ phép với thầy cô.")]
    with db.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.table_name == "comment_template")).first()
        assert entry.actor_id == marks.teacher.account_id and entry.record_label == "nhận xét mẫu"


def test_refusals_change_nothing(db, marks, people, principal):
    cases = [
        (PermissionDenied, lambda: gradebook.add_comment_phrase(  # not their subject
            db, people.actors[Role.GV_BO_MON], marks.class_id, "Tốt.", "T", subject_id=marks.math)),
        (PermissionDenied, lambda: gradebook.add_comment_phrase(  # the principal enters no cells
            db, principal, marks.class_id, "Tốt.", "T", subject_id=marks.math)),
        (ValidationError, lambda: gradebook.add_comment_phrase(
            db, marks.teacher, marks.class_id, "Tốt.", "Đ", subject_id=marks.math)),  # not a subject level
        (ValidationError, lambda: gradebook.add_comment_phrase(
            db, marks.teacher, marks.class_id, "   ", "T", subject_id=marks.math)),
        (ValidationError, lambda: gradebook.add_comment_phrase(
            db, marks.teacher, marks.class_id, "x" * 301, "T", subject_id=marks.math)),
        (ValidationError, lambda: gradebook.add_comment_phrase(
            db, marks.teacher, marks.class_id, "Tốt.", "", subject_id=marks.math)),
    ]
    for error, call in cases:
        with pytest.raises(error):
            call()
    with db.read() as session:
        assert session.scalars(select(CommentTemplate)).all() == []
    gradebook.add_comment_phrase(db, marks.teacher, marks.class_id, "Tốt.", "T", subject_id=marks.math)
    with pytest.raises(ValidationError, match="đã có"):
        gradebook.add_comment_phrase(db, marks.teacher, marks.class_id, "Tốt.", "HTT", subject_id=marks.math)


def test_reading_the_bank_needs_the_class(db, marks, people):
    with pytest.raises(PermissionDenied):
        gradebook.comment_bank(db, people.actors[Role.KE_TOAN], marks.class_id)
