"""Quy chế Điều 7.1: the minimum a pupil's record holds — name, birth date, ethnicity, gender, permanent address,
the policy-family flag, the parents, a contact phone. The class list says what each record still lacks."""

import datetime as dt

import pytest

from nk_desktop.models.pupils import Pupil
from nk_desktop.services.pupils import missing_minimum

COMPLETE = dict(family_name="Lê", middle_name="Thị", given_name="Mai", date_of_birth=dt.date(2016, 3, 1),
                gender="Nữ", ethnicity="Kinh", permanent_address="Thôn 2, xã Cầu Đất", policy_family=False,
                policy_kind="", father_name="", mother_name="Nguyễn Thị Hạnh", contact_phone="",
                father_phone="", mother_phone="0912345678")


def test_a_complete_record_lacks_nothing():
    assert missing_minimum(Pupil(**COMPLETE)) == ()


@pytest.mark.parametrize("changes, lacking", [
    ({"ethnicity": ""}, ("dân tộc",)),
    ({"permanent_address": ""}, ("địa chỉ thường trú",)),
    ({"policy_family": True}, ("diện chính sách",)),
    ({"mother_name": ""}, ("họ tên cha hoặc mẹ",)),
    ({"mother_phone": ""}, ("điện thoại liên hệ",)),
    ({"permanent_address": "", "mother_name": "", "mother_phone": ""},
     ("địa chỉ thường trú", "họ tên cha hoặc mẹ", "điện thoại liên hệ")),
])
def test_each_missing_item_is_named(changes, lacking):
    assert missing_minimum(Pupil(**{**COMPLETE, **changes})) == lacking


@pytest.mark.parametrize("changes", [
    {"mother_name": "", "father_name": "Lê Văn Tú"},              # either parent will do
    {"mother_phone": "", "father_phone": "0987654321"},           # any of the three phones
    {"mother_phone": "", "contact_phone": "0987654321"},
    {"policy_family": True, "policy_kind": "Con thương binh"},    # the flag with its kind
])
def test_what_counts_as_present(changes):
    assert missing_minimum(Pupil(**{**COMPLETE, **changes})) == ()
