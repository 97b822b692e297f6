"""Ready phrases for the "Nhận xét" cells, by subject and level; the teacher picks one, then edits it.

The school's own bank (``comment_template``, read with one ``gradebook.comment_bank`` call
and added to with ``gradebook.add_comment_phrase``) merged with the built-in phrases below:
the subject's phrases first (the school's, then the built-in ones), then those for any
subject; a phrase appears once.
"""

from __future__ import annotations

import uuid
from typing import Sequence

from nk_desktop.i18n import _
from nk_desktop.services.gradebook import BankPhrase

GENERAL: dict[str, tuple[str, ...]] = {
    "HTT": (
        _("Hoàn thành tốt các nội dung học tập; tích cực phát biểu."),
        _("Nắm vững kiến thức, vận dụng tốt vào bài tập."),
        _("Học tập chăm chỉ, tự giác; trình bày bài cẩn thận."),
    ),
    "HT": (
        _("Hoàn thành các nội dung học tập; cần cẩn thận hơn khi làm bài."),
        _("Nắm được kiến thức cơ bản; cần mạnh dạn phát biểu hơn."),
        _("Hoàn thành bài tập; cần rèn thêm kĩ năng trình bày."),
    ),
    "CHT": (
        _("Chưa hoàn thành một số nội dung; cần luyện tập thêm."),
        _("Cần cố gắng hơn; gia đình quan tâm kèm cặp thêm ở nhà."),
        _("Còn chậm, cần được hỗ trợ thêm để hoàn thành nội dung học tập."),
    ),
}

BY_SUBJECT: dict[str, dict[str, tuple[str, ...]]] = {
    "TOAN": {
        "HTT": (_("Tính toán nhanh, chính xác; giải toán có lời văn tốt."),),
        "HT": (_("Biết thực hiện các phép tính; cần cẩn thận khi đặt tính và tính."),),
        "CHT": (_("Còn nhầm lẫn khi thực hiện phép tính; cần luyện thêm bảng nhân, chia."),),
    },
    "TV": {
        "HTT": (_("Đọc to, rõ ràng, diễn cảm; viết đúng chính tả, chữ đẹp."),),
        "HT": (_("Đọc trôi chảy; cần viết cẩn thận hơn, tránh lỗi chính tả."),),
        "CHT": (_("Đọc còn chậm, viết còn sai chính tả; cần luyện đọc, viết thêm."),),
    },
}


def phrases(subject_code: str, level: str | None, stored: Sequence[BankPhrase] = (),
            subject_id: uuid.UUID | None = None) -> list[str]:
    """The phrases for a subject at *level* (HTT/HT/CHT); every level's when the level is not set.

    *stored*: the school's bank (``gradebook.comment_bank``); its phrases for *subject_id*
    come before the built-in ones, its phrases for any subject before the general ones.
    """
    levels = [level] if level in GENERAL else list(GENERAL)
    found: list[str] = []
    for code in levels:
        found += [p.text for p in stored if p.level == code and p.subject_id is not None
                  and p.subject_id == subject_id and not p.trait]
        found += BY_SUBJECT.get(subject_code, {}).get(code, ())
        found += [p.text for p in stored if p.level == code and p.subject_id is None and not p.trait]
        found += GENERAL[code]
    return list(dict.fromkeys(found))
