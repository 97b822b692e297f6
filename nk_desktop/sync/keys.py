"""The school's key: 32 random bytes that encrypt and authenticate everything on the share.

It lives in each PC's keyring (Windows Credential Manager) or, for scheduled tasks and
PCs without a keyring, in the environment variable ``NK_SHARE_KEY``.  Written forms:

* **hex**, 64 digits, as printed on the recovery sheet in 16 groups of 4, followed by a
  17th group (the first 4 hex digits of SHA-256 of the key) that catches typing
  mistakes; spaces and dashes are ignored, the check group is optional;
* **base64** (standard or URL-safe) of the 32 bytes is accepted too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from nk_desktop import keystore
from nk_desktop.errors import ValidationError
from nk_desktop.i18n import _

KEY_BYTES = 32
ENV = "NK_SHARE_KEY"
KEYRING_NAME = "school-share-key"
_HEX = re.compile(r"^[0-9a-f]+$")


def generate() -> bytes:
    return os.urandom(KEY_BYTES)


def check_group(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:4]


def groups(key: bytes) -> list[str]:
    """The key as the sheet prints it: 16 groups of 4 hex digits, then the check group."""
    text = key.hex()
    return [text[i:i + 4] for i in range(0, len(text), 4)] + [check_group(key)]


def format_key(key: bytes) -> str:
    return "-".join(groups(key))


def parse_key(text: str) -> bytes:
    """A key typed or pasted in any accepted form; ``ValidationError`` with a Vietnamese message otherwise."""
    raw = (text or "").strip()
    compact = re.sub(r"[\s\-]", "", raw).lower()
    if _HEX.match(compact) and len(compact) in (64, 68):
        key = bytes.fromhex(compact[:64])
        if len(compact) == 68 and compact[64:] != check_group(key):
            raise ValidationError(_("Khóa gõ chưa đúng (nhóm kiểm tra cuối không khớp); hãy soát lại từng nhóm."))
        return key
    try:
        padded = raw + "=" * (-len(raw) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) == KEY_BYTES:
        return key
    raise ValidationError(_("Khóa của trường phải là 64 chữ số hex (như trên phiếu khôi phục) hoặc base64 của 32 byte."))


def key_check(key: bytes) -> str:
    """A value stored in SYNC-TARGET.json that tells a wrong key from a damaged file (reveals nothing)."""
    return hmac.new(key, b"NK Desktop sync key check", hashlib.sha256).hexdigest()[:16]


def from_environment() -> bytes | None:
    text = os.environ.get(ENV)
    return parse_key(text) if text else None


def from_keyring() -> bytes | None:
    text = keystore.get(KEYRING_NAME)
    if not text:
        return None
    try:
        return parse_key(text)
    except ValidationError:
        return None


def load() -> bytes | None:
    """This PC's key: ``NK_SHARE_KEY`` when set, else the keyring; None when neither has it."""
    return from_environment() or from_keyring()


def remember(key: bytes) -> bool:
    """Keep the key in this PC's keyring; False when the PC has none (then use NK_SHARE_KEY)."""
    return keystore.put(KEYRING_NAME, key.hex()) and from_keyring() == key  # a null backend accepts and forgets


def verify_against(key: bytes, target: dict) -> None:
    if target.get("key_check") != key_check(key):
        raise ValidationError(_("Khóa của trường không đúng với thư mục đồng bộ này (xem phiếu khôi phục)."))
