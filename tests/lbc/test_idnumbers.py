"""Resident ID numbers (GB 11643): what is accepted, what is refused and with which message.

Every number here is synthetic, built with make_id_number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lbc.idnumbers import InvalidIdNumber, check_char, make_id_number, parse_id_number
from lbc.models import Child, Household
from lbc.services.children import register_child
from lbc.services.errors import DomainError
from tests.conftest import World

BIRTH = dt.date(2014, 3, 1)
VALID = make_id_number("110101", BIRTH, 12, "F")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
WITH_X = next(n for n in (make_id_number("110101", BIRTH, s, "F") for s in range(1000)) if n.endswith("X"))


def with_check_char(first17: str) -> str:
    return first17 + check_char(first17)


def refusal(raw: str) -> str:
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(raw)
    return str(excinfo.value)


# --- accepted -------------------------------------------------------------------------------------


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    sex=st.sampled_from(["M", "F"]),
)
def test_every_generated_number_parses_back_to_its_birth_date_and_sex(
    birth: dt.date,
    sequence: int,
    sex: str,
) -> None:
    parsed = parse_id_number(make_id_number("510722", birth, sequence, sex))
    assert (parsed.birth_date, parsed.sex, parsed.region_code) == (birth, sex, "510722")


def test_it_reads_sex_from_the_seventeenth_digit() -> None:
    assert parse_id_number(with_check_char("11010120140301001")).sex == "M"
    assert parse_id_number(with_check_char("11010120140301002")).sex == "F"


def test_a_lower_case_x_is_accepted_and_stored_upper_case() -> None:
    parsed = parse_id_number(WITH_X.lower())
    assert (parsed.value, parsed.birth_date, parsed.sex) == (WITH_X, BIRTH, "F")


def test_surrounding_spaces_are_ignored() -> None:
    assert parse_id_number(f"  {VALID}\t").value == VALID


# --- refused --------------------------------------------------------------------------------------


def test_a_wrong_check_digit_is_refused() -> None:
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    assert refusal(wrong) == "身份证号码校验位不正确，请核对后重新输入。"


@pytest.mark.parametrize("date", ["20140230", "20130229", "20141301", "20140000", "20140132"])
def test_an_impossible_birth_date_is_refused(date: str) -> None:
    assert refusal(with_check_char(f"110101{date}002")) == "身份证号码中的出生日期无效。"


def test_a_leap_day_is_accepted() -> None:
    assert parse_id_number(with_check_char("11010120160229002")).birth_date == dt.date(2016, 2, 29)


@pytest.mark.parametrize(("raw", "length"), [(VALID[:17], 17), (VALID + "1", 19), ("", 0), (VALID[:15], 15)])
def test_a_number_of_the_wrong_length_is_refused_with_its_length(raw: str, length: int) -> None:
    assert refusal(raw) == f"身份证号码应为18位，当前为{length}位。"


@pytest.mark.parametrize(
    "raw",
    [
        VALID[:10] + "AB" + VALID[12:],
        "A" + VALID[1:],
        VALID[:17] + "Y",
        VALID[:17] + "²",
        VALID[:5] + "٣" + VALID[6:],
        VALID[:8] + "-" + VALID[9:],
    ],
    ids=["letters", "leading-letter", "bad-last", "superscript-last", "arabic-digit", "dash"],
)
def test_letters_and_other_characters_are_refused(raw: str) -> None:
    assert refusal(raw) == "身份证号码前17位应为数字，最后一位为数字或X。"


@pytest.mark.parametrize(
    "raw",
    [
        VALID.translate(FULL_WIDTH),
        VALID[:17] + VALID[17].translate(FULL_WIDTH),
        VALID[:3] + VALID[3].translate(FULL_WIDTH) + VALID[4:],
        WITH_X[:17] + "ｘ",
        VALID[:17].translate(FULL_WIDTH),
    ],
    ids=["all", "last", "one", "lower-x", "seventeen"],
)
def test_full_width_digits_are_refused_and_never_repaired(raw: str) -> None:
    assert refusal(raw) == "身份证号码中含有全角字符，请使用半角数字和X重新输入。"


# --- registering a child --------------------------------------------------------------------------


def child_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "family_name": "测",
        "given_name": "试新",
        "sex": "F",
        "birth_date": BIRTH,
        "village": world.v1,
        "school": world.s1,
        "school_class": world.class1,
        "grade": 5,
        "left_behind_type": Child.LeftBehindType.BOTH_AWAY,
        "parent_contact": Child.ContactFrequency.MONTHLY,
        "care_arrangement": Child.CareArrangement.GRANDPARENTS,
        "id_number": VALID,
    }
    data.update(overrides)
    return data


def refused_registration(world: World, **overrides: Any) -> str:
    children, households = Child.objects.count(), Household.objects.count()
    with pytest.raises(DomainError) as excinfo:
        register_child(child_data(world, **overrides), by=world.user("county_admin"))
    assert (Child.objects.count(), Household.objects.count()) == (children, households)  # nothing left behind
    return excinfo.value.message


def test_register_child_accepts_a_matching_id_number(world: World) -> None:
    child = register_child(child_data(world, id_number=VALID.lower()), by=world.user("county_admin"))
    assert Child.objects.get(pk=child.pk).id_number == VALID


def test_register_child_refuses_an_id_whose_birth_date_disagrees_with_the_form(world: World) -> None:
    message = refused_registration(world, birth_date=dt.date(2014, 3, 2))
    assert message == "身份证号码中的出生日期与填写的出生日期不一致。"


def test_register_child_refuses_an_id_whose_sex_disagrees_with_the_form(world: World) -> None:
    assert refused_registration(world, sex="M") == "身份证号码中的性别与填写的性别不一致。"


def test_register_child_refuses_an_id_already_registered(world: World) -> None:
    c1 = Child.objects.get(pk=world.c1.pk)
    same = {"id_number": c1.id_number.lower(), "birth_date": c1.birth_date, "sex": c1.sex}
    message = refused_registration(world, **same)
    assert message == "该身份证号码已登记在另一名儿童的档案中。"


def test_register_child_refuses_an_invalid_id_with_its_message(world: World) -> None:
    assert refused_registration(world, id_number=VALID.translate(FULL_WIDTH)) == (
        "身份证号码中含有全角字符，请使用半角数字和X重新输入。"
    )


def test_register_child_requires_an_id_or_a_reason(world: World) -> None:
    assert refused_registration(world, id_number="") == "请填写身份证号码，或选择无身份证号码的原因。"
    child = register_child(
        child_data(world, id_number="", id_absent_reason=Child.IdAbsentReason.PENDING),
        by=world.user("county_admin"),
    )
    assert child.id_number == "" and child.id_number_index is None
