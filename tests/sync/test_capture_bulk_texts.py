"""A bulk insert encodes each value once (``capture.insert_texts``): the texts must be exactly those of
encoding each row on its own — the change record's fields, the audit entry's changes (its hash) and the op."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from nk_desktop.sync import capture, outbox

ACCOUNT = uuid.UUID("0f0e0d0c-0b0a-4908-8706-050403020100")
NOW = dt.datetime(2026, 11, 29, 8, 30, 15, 123456)


def _row(n: int, **extra) -> dict:
    row = {
        "id": uuid.UUID(int=n + 1), "family_name": "Nguyễn", "middle_name": "" if n % 3 else "Thị Ngọc",
        "given_name": ["Anh", 'Bé "Na"', "Khôi\\", "Tab\tnew\nline", "Ꭿ 😀", "\u0001ctl"][n % 6],
        "date_of_birth": dt.date(2016, 1 + n % 12, 1 + n % 28), "gender": "Nữ" if n % 2 else "Nam",
        "policy_family": n % 4 == 0, "photo": None, "version": 1, "rank": [0, 7, -3, 10 ** 20][n % 4],
        "score": [0.0, 8.5, 1e-7, -0.0][n % 4], "password_hash": "" if n % 5 == 0 else f"h{n}",
        "class_id": None if n % 2 else uuid.UUID(int=999), "created_at": NOW, "updated_at": NOW,
        "created_by": ACCOUNT, "updated_by": ACCOUNT, "deleted": False,
    }
    row.update(extra)
    return row


def _one_by_one(rows: list[dict], secret: frozenset[str], table: str = "pupil") -> list[tuple[str, str, str]]:
    """Each row's texts as capture writes a single insert: record fields, audit changes, the op's fields."""
    texts = []
    for row in rows:
        change = capture.RowChange(table, row["id"], "ins", row, {}, "học sinh", row.get("class_id"), secret)
        fields_text, shown_text = capture._record_texts(change)
        op = outbox._OP_ENCODER.encode(outbox.build_op("a" * 32, 7, change, "b" * 32, ACCOUNT.hex, "Hiệu trưởng", {}))
        inner = op[op.index('"f":{') + 5:op.index('},"p":{}')]
        texts.append((fields_text, shown_text, inner))
    return texts


def test_insert_texts_are_the_row_by_row_texts():
    rows = [_row(n) for n in range(40)]
    secret = frozenset({"password_hash"})
    assert capture.insert_texts(rows, secret) == _one_by_one(rows, secret)


def test_the_op_text_is_the_encoded_op():
    rows = [_row(n) for n in range(6)]
    for row, texts in zip(rows, capture.insert_texts(rows, frozenset())):
        for author in (ACCOUNT.hex, None):
            change = capture.RowChange("pupil", row["id"], "ins", row, {}, 'lớp "4A"', row["class_id"], frozenset(),
                                       texts)
            built = outbox._OP_ENCODER.encode(
                outbox.build_op("c" * 32, 12345, change, "d" * 32, author, "Nguyễn Thị Lan", {}))
            assert outbox.insert_op_text("c" * 32, 12345, change, "d" * 32, author, "Nguyễn Thị Lan") == built
            assert outbox.insert_op_text("c" * 32, 12345, change, "d" * 32, author, "Nguyễn Thị Lan",
                                         row["id"].hex) == built


def test_values_encoded_differently_take_the_general_path():
    # bytes: the audit keeps a digest, the op the whole value; a Decimal or a time: not listed
    for odd in (b"\x89PNG", decimal.Decimal("1.5"), dt.time(7, 30)):
        rows = [_row(0), _row(1, photo=odd)]
        assert capture.insert_texts(rows, frozenset()) is None
    assert capture.insert_texts([_row(0), {**_row(1), "extra": 1}], frozenset()) is None  # keys differ


def test_all_hidden_keys_show_no_change():
    rows = [{"id": uuid.UUID(int=n), "version": 1, "created_at": NOW} for n in range(3)]
    assert capture.insert_texts(rows, frozenset()) == _one_by_one(rows, frozenset(), "t")
