"""The files on the share: journal segments and snapshots, compressed, encrypted and self-checking.

Layout of every file::

    MAGIC (8 bytes, names the kind) | nonce (12) | AES-GCM(zlib(payload), aad=MAGIC) | SHA-256 of all before (32)

A segment's payload is JSON lines: the header, then one op per line.  A snapshot's
payload is one JSON header line followed by the database file's bytes.  The
trailer lets a reader refuse a torn, short or stale read without the key; the
AES-GCM tag refuses a wrong key or an altered file.  *Any* defect raises
``Unreadable`` and nothing else (sync-design §3 pitfall 6): the reader leaves
its cursor where it is and tries again later.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from nk_desktop.errors import NKError
from nk_desktop.i18n import _
from nk_desktop.sync.ops import all_valid

FORMAT = 1
SEGMENT_MAGIC = b"NKJRN01\n"
SNAPSHOT_MAGIC = b"NKSNP01\n"
PACK_MAGIC = b"NKPAK01\n"
NONCE, TAG, DIGEST = 12, 16, 32
GENESIS_SHA = "0" * 64
HEADER_KEYS = {"format": int, "kind": str, "schema": str, "node": str, "incarnation": str, "seq": int,
               "prev_sha": str, "epoch": str, "deps": dict, "n_ops": int}


class Unreadable(NKError):
    """A file on the share cannot be used (yet): torn, truncated, altered, wrong key, or not ours."""


def sha_of(data: bytes) -> str:
    """The identity of a published file: its SHA-256 trailer (hex)."""
    return data[-DIGEST:].hex()


def seal(magic: bytes, key: bytes, payload: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    body = magic + nonce + AESGCM(key).encrypt(nonce, zlib.compress(payload, 6), magic)
    return body + hashlib.sha256(body).digest()


def check_trailer(magic: bytes, data: bytes) -> bytes:
    """The body of a whole, unaltered file of this kind (no key needed)."""
    if not isinstance(data, (bytes, bytearray)) or len(data) < len(magic) + NONCE + TAG + DIGEST:
        raise Unreadable(_("Tệp bị cắt cụt hoặc chưa ghi xong."))
    data = bytes(data)
    if data[:len(magic)] != magic:
        raise Unreadable(_("Không phải tệp đồng bộ NK Desktop (hoặc của phiên bản khác)."))
    body = data[:-DIGEST]
    if hashlib.sha256(body).digest() != data[-DIGEST:]:
        raise Unreadable(_("Tệp bị hỏng hoặc chép thiếu (mã kiểm tra không khớp)."))
    return body


def unseal(magic: bytes, key: bytes, data: bytes) -> bytes:
    body = check_trailer(magic, data)
    nonce = body[len(magic):len(magic) + NONCE]
    try:
        packed = AESGCM(key).decrypt(nonce, body[len(magic) + NONCE:], magic)
    except InvalidTag:
        raise Unreadable(_("Không giải mã được: khóa của trường không đúng, hoặc tệp đã bị sửa.")) from None
    except (ValueError, TypeError):
        raise Unreadable(_("Khóa của trường không hợp lệ.")) from None
    try:
        inflater = zlib.decompressobj()
        payload = inflater.decompress(packed) + inflater.flush()
    except zlib.error:
        raise Unreadable(_("Dữ liệu nén trong tệp bị hỏng.")) from None
    if not inflater.eof or inflater.unused_data:
        raise Unreadable(_("Dữ liệu nén trong tệp không trọn vẹn."))
    return payload


_DECODER = json.JSONDecoder()


def _json_line(line: bytes) -> Any:
    """One JSON value filling the whole line (the encoder writes no spaces around it)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(_("Một dòng trong tệp không đọc được.")) from None
    return _json_text(text)


def _json_text(text: str) -> Any:
    try:
        value, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        raise Unreadable(_("Một dòng trong tệp không đọc được.")) from None
    if end != len(text):
        raise Unreadable(_("Một dòng trong tệp không đọc được."))
    return value


def _check_header(header: Any, kind: str) -> dict:
    if not isinstance(header, dict) or header.get("kind") != kind:
        raise Unreadable(_("Phần đầu tệp không đúng."))
    for key, expected in HEADER_KEYS.items():
        value = header.get(key)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise Unreadable(_("Phần đầu tệp thiếu hoặc sai mục “{key}”.").format(key=key))
    if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
               for k, v in header["deps"].items()):
        raise Unreadable(_("Phần đầu tệp sai mục “deps”."))
    return header


def encode_segment(key: bytes, header: dict, ops: list[dict]) -> bytes:
    header = {**header, "kind": "seg", "format": FORMAT, "n_ops": len(ops)}
    lines = [json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":"))]
    lines += [json.dumps(op, ensure_ascii=False, separators=(",", ":")) for op in ops]
    return seal(SEGMENT_MAGIC, key, ("\n".join(lines) + "\n").encode("utf-8"))


def decode_segment(key: bytes, data: bytes) -> tuple[dict, list[dict]]:
    """(header, ops) of a segment file; ``Unreadable`` on any defect."""
    payload = unseal(SEGMENT_MAGIC, key, data)
    if not payload.endswith(b"\n"):
        raise Unreadable(_("Tệp nhật ký không kết thúc đúng."))
    try:  # the payload decoded at once: no UTF-8 character holds the byte of "\n"
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(_("Một dòng trong tệp không đọc được.")) from None
    # One JSON value filling each line, read in place: raw_decode neither skips nor allows anything around the
    # value, so a line is good when its value ends right at the line's "\n".
    decode, ops, at = _DECODER.raw_decode, [], 0
    try:
        header, at = decode(text, 0)
        if text[at] != "\n":
            raise ValueError
        header = _check_header(header, "seg")
        at += 1
        while at < len(text):
            op, at = decode(text, at)
            if text[at] != "\n":
                raise ValueError
            ops.append(op)
            at += 1
    except (ValueError, IndexError, RecursionError):
        raise Unreadable(_("Một dòng trong tệp không đọc được.")) from None
    if len(ops) != header["n_ops"]:
        raise Unreadable(_("Số thao tác trong tệp không khớp phần đầu."))
    if not all_valid(ops):
        raise Unreadable(_("Có thao tác sai cấu trúc trong tệp."))
    return header, ops


def encode_snapshot(key: bytes, header: dict, database: bytes) -> bytes:
    head = json.dumps({**header, "kind": "snap", "format": FORMAT}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")
    return seal(SNAPSHOT_MAGIC, key, head + b"\n" + database)


def decode_snapshot(key: bytes, data: bytes) -> tuple[dict, bytes]:
    payload = unseal(SNAPSHOT_MAGIC, key, data)
    head, sep, database = payload.partition(b"\n")
    header = _json_line(head)
    if not sep or not isinstance(header, dict) or header.get("kind") != "snap" or not isinstance(
            header.get("vector"), dict) or not isinstance(header.get("schema"), str):
        raise Unreadable(_("Phần đầu bản chụp không đúng."))
    return header, database


def encode_pack(segments: list[bytes]) -> bytes:
    """Several published segment files kept whole (they are encrypted already), with one trailer."""
    body = PACK_MAGIC + b"".join(len(s).to_bytes(8, "big") + s for s in segments)
    return body + hashlib.sha256(body).digest()


def decode_pack(data: bytes) -> list[bytes]:
    if len(data) < len(PACK_MAGIC) + DIGEST or data[:len(PACK_MAGIC)] != PACK_MAGIC:
        raise Unreadable(_("Tệp gộp bị cắt cụt hoặc không đúng loại."))
    body = data[:-DIGEST]
    if hashlib.sha256(body).digest() != data[-DIGEST:]:
        raise Unreadable(_("Tệp gộp bị hỏng (mã kiểm tra không khớp)."))
    segments, at = [], len(PACK_MAGIC)
    while at < len(body):
        size = int.from_bytes(body[at:at + 8], "big")
        segment = body[at + 8:at + 8 + size]
        if len(segment) != size or size == 0:
            raise Unreadable(_("Tệp gộp không trọn vẹn."))
        segments.append(segment)
        at += 8 + size
    return segments
