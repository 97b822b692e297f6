"""Ready phrases for the "Nhận xét" cells, by subject and level; the teacher picks one, then edits it.

A small built-in bank for now (the school may later keep its own in the database).  The
phrases for a subject come first, then the general ones of the same level.
"""

from __future__ import annotations

from nk_desktop.i18n import _

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


def phrases(subject_code: str, level: str | None) -> list[str]:
    """The phrases for *subject_code* at *level* (HTT/HT/CHT); every level's when the level is not set."""
    levels = [level] if level in GENERAL else list(GENERAL)
    found: list[str] = []
    for code in levels:
        found += BY_SUBJECT.get(subject_code, {}).get(code, ())
        found += GENERAL[code]
    return found
