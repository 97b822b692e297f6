"""Segment files: round trip; every torn, truncated, altered or foreign file is refused as Unreadable."""

from __future__ import annotations

import json
import uuid

import pytest

from nk_desktop.sync import codec
from nk_desktop.sync.codec import Unreadable

KEY = bytes(range(32))
NODE = "ab" * 16


def _op(n: int, **fields) -> dict:
    return {"id": uuid.uuid4().hex, "t": 1_000_000 + n, "n": NODE, "u": None, "a": "Cô Lan", "tbl": "pupil",
            "row": uuid.uuid4().hex, "k": "upd", "f": fields or {"notes": f"ghi chú {n} — Nguyễn Thị Ánh"},
            "p": {}, "l": "học sinh", "c": None}


def _header(**changes) -> dict:
    return {"schema": "0007", "node": NODE, "incarnation": "cd" * 16, "seq": 3, "prev_sha": "1" * 64,
            "epoch": "ef" * 16, "deps": {"12" * 16: 4}, **changes}


@pytest.fixture(scope="module")
def segment() -> tuple[bytes, list[dict]]:
    ops = [_op(n) for n in range(3)]
    return codec.encode_segment(KEY, _header(), ops), ops


def test_round_trip(segment):
    data, ops = segment
    header, decoded = codec.decode_segment(KEY, data)
    assert decoded == ops
    assert header["seq"] == 3 and header["n_ops"] == 3 and header["kind"] == "seg"
    assert codec.sha_of(data) == __import__("hashlib").sha256(data[:-32]).hexdigest()


def test_nothing_readable_without_the_key(segment):
    data, _ops = segment
    assert "Nguyễn".encode() not in data and b"notes" not in data


def test_every_truncation_length_is_refused_cleanly(segment):
    data, _ops = segment
    for length in range(len(data)):
        with pytest.raises(Unreadable):
            codec.decode_segment(KEY, data[:length])


def test_trailing_garbage_is_refused(segment):
    data, _ops = segment
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, data + b"\0")


def test_every_single_bit_flip_is_refused(segment):
    data, _ops = segment
    for position in range(len(data)):
        for bit in (0, 3, 7):
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            with pytest.raises(Unreadable):
                codec.decode_segment(KEY, bytes(flipped))


def test_a_wrong_key_is_refused_with_its_own_message(segment):
    data, _ops = segment
    with pytest.raises(Unreadable, match="khóa"):
        codec.decode_segment(bytes(32), data)


def test_an_altered_file_with_a_recomputed_trailer_is_still_refused(segment):
    import hashlib

    data, _ops = segment
    body = bytearray(data[:-32])
    body[-20] ^= 0xFF
    forged = bytes(body) + hashlib.sha256(bytes(body)).digest()
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, forged)


def test_another_kind_of_file_is_refused(segment):
    data, _ops = segment
    snapshot = codec.encode_snapshot(KEY, {"vector": {}, "schema": "0007"}, b"SQLite format 3\0")
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, snapshot)
    with pytest.raises(Unreadable):
        codec.decode_snapshot(KEY, data)


def _sealed(payload: bytes) -> bytes:
    return codec.seal(codec.SEGMENT_MAGIC, KEY, payload)


def test_wrong_op_count_is_refused():
    header = {**_header(), "kind": "seg", "format": 1, "n_ops": 2}
    lines = [json.dumps(header), json.dumps(_op(1))]
    with pytest.raises(Unreadable, match="Số thao tác"):
        codec.decode_segment(KEY, _sealed(("\n".join(lines) + "\n").encode()))


@pytest.mark.parametrize("broken", [
    {"seq": "3"}, {"seq": True}, {"deps": []}, {"deps": {"x": "1"}}, {"node": None}, {"kind": "snap"},
])
def test_a_malformed_header_is_refused(broken):
    header = {**_header(), "kind": "seg", "format": 1, "n_ops": 0, **broken}
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, _sealed((json.dumps(header) + "\n").encode()))


@pytest.mark.parametrize("broken", [
    {"k": "put"}, {"id": "xyz"}, {"t": "1"}, {"f": []}, {"p": {"other": []}}, {"p": {"notes": ["short"]}},
    {"row": "g" * 32},
])
def test_a_malformed_op_is_refused(broken):
    header = {**_header(), "kind": "seg", "format": 1, "n_ops": 1}
    op = {**_op(1), **broken}
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, _sealed((json.dumps(header) + "\n" + json.dumps(op) + "\n").encode()))


def test_lines_that_are_not_json_are_refused():
    header = {**_header(), "kind": "seg", "format": 1, "n_ops": 1}
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, _sealed((json.dumps(header) + "\n{\"id\": \n").encode()))
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, _sealed(json.dumps(header).encode()))  # no final newline
    with pytest.raises(Unreadable):
        codec.decode_segment(KEY, _sealed(b"\xff\xfe\n"))


def test_packs_round_trip_and_refuse_truncation(segment):
    data, _ops = segment
    other = codec.encode_segment(KEY, _header(seq=4), [_op(9)])
    pack = codec.encode_pack([data, other])
    assert codec.decode_pack(pack) == [data, other]
    for length in range(0, len(pack), 7):
        with pytest.raises(Unreadable):
            codec.decode_pack(pack[:length])
