"""The school key: its written forms, the environment and keyring, and the printed recovery sheet."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from nk_desktop.errors import ValidationError
from nk_desktop.sync import keys, sheet

KEY = bytes(range(32))


def test_generated_keys_are_32_random_bytes():
    first, second = keys.generate(), keys.generate()
    assert len(first) == 32 and first != second


def test_the_sheet_form_round_trips_with_or_without_dashes_and_catches_typos():
    text = keys.format_key(KEY)
    groups = text.split("-")
    assert len(groups) == 17 and all(len(g) == 4 for g in groups)
    assert keys.parse_key(text) == KEY
    assert keys.parse_key(" ".join(groups).upper()) == KEY
    assert keys.parse_key("".join(groups[:16])) == KEY  # the check group is optional
    typo = text[:5] + ("0" if text[5] != "0" else "1") + text[6:]
    with pytest.raises(ValidationError, match="kiểm tra"):
        keys.parse_key(typo)


def test_hex_and_base64_are_accepted_and_anything_else_refused():
    assert keys.parse_key(KEY.hex()) == KEY
    assert keys.parse_key(base64.b64encode(KEY).decode()) == KEY
    assert keys.parse_key(base64.urlsafe_b64encode(KEY).decode().rstrip("=")) == KEY
    for bad in ("", "abc", KEY.hex()[:-2], base64.b64encode(KEY[:16]).decode()):
        with pytest.raises(ValidationError):
            keys.parse_key(bad)


def test_nk_share_key_comes_first_and_a_pc_without_keyring_remembers_nothing(monkeypatch):
    monkeypatch.delenv(keys.ENV, raising=False)
    assert keys.remember(KEY) is False  # the tests' keyring is the null backend
    assert keys.load() is None
    monkeypatch.setenv(keys.ENV, keys.format_key(KEY))
    assert keys.load() == KEY


def test_the_key_check_tells_a_wrong_key():
    target = {"key_check": keys.key_check(KEY)}
    keys.verify_against(KEY, target)
    with pytest.raises(ValidationError, match="không đúng"):
        keys.verify_against(bytes(32), target)


def test_the_recovery_sheet_prints_the_key_in_groups_in_vietnamese():
    pdf = sheet.render(sheet.RecoverySheet("Trường Tiểu học Nguyễn Khuyến", r"\\maychu\DuLieu\nk-sync", KEY,
                                           dt.date(2026, 11, 29), "Hiệu trưởng"))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for group in keys.groups(KEY):
        assert group in text
    assert "PHIẾU KHÓA ĐỒNG BỘ DỮ LIỆU" in text and "Nguyễn Khuyến".upper() in text.upper()
    assert "29/11/2026" in text and r"\\maychu\DuLieu\nk-sync" in text
    fonts = {str(f.get("/BaseFont", "")) for f in _fonts(reader)}
    assert any("Liberation" in f for f in fonts) and not any("Helvetica" in f for f in fonts)
    assert pdf == sheet.render(sheet.RecoverySheet("Trường Tiểu học Nguyễn Khuyến", r"\\maychu\DuLieu\nk-sync", KEY,
                                                   dt.date(2026, 11, 29), "Hiệu trưởng"))


def _fonts(reader):
    resources = reader.pages[0]["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]
