"""One normaliser for personal names (lbc.text.normalise_name), used by every form with a name and by
the import: NFC, one name dot, single spaces; invisible and control characters refused, rare kept."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lbc.forms.children import ChildForm
from lbc.forms.people import ConsentForm, GuardianForm, ParentForm
from lbc.imports.cells import read_name
from lbc.manage_forms import UserCreateForm
from lbc.text import NAME_DOT, InvalidName, invisible_character, normalise_name
from training.forms import WalkInForm

INVISIBLE = ["\u202e", "\u200d", "\ufeff", "\u00ad", "\U000e0041", "\U000e007f", "\U000e0000", "\u0007",
             "\u2028", "\u2029", "\u200b", "\u2066"]
DOTS = ["\u30fb", "\u2022", "\u2027", "\uff65"]
NAME_FIELDS = [
    (ChildForm, "family_name"),
    (ChildForm, "given_name"),
    (GuardianForm, "name"),
    (ParentForm, "name"),
    (ConsentForm, "given_by_name"),
    (UserCreateForm, "full_name"),
    (WalkInForm, "name"),
]


def message_for(code: str) -> str:
    return f"姓名中含有不可见或控制字符（U+{code}），请删除后重新输入。"


# --- explicit cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", INVISIBLE)
def test_invisible_and_control_characters_are_refused_by_code_point(ch: str) -> None:
    with pytest.raises(InvalidName) as refused:
        normalise_name(f"王{ch}小明")
    assert refused.value.message == message_for(f"{ord(ch):04X}")


def test_the_message_names_the_character() -> None:
    with pytest.raises(InvalidName) as refused:
        normalise_name("王小\u202e明")
    assert refused.value.message == "姓名中含有不可见或控制字符（U+202E），请删除后重新输入。"


@pytest.mark.parametrize("dot", DOTS)
def test_name_dots_become_the_middle_dot(dot: str) -> None:
    assert normalise_name(f"阿依古丽{dot}买买提") == "阿依古丽·买买提"


@pytest.mark.parametrize("name", ["𠈌", "王𠈌", "李䶮", "王小䶮", "阿依古丽·买买提", "Anna Lee"])
def test_rare_and_extension_characters_are_kept(name: str) -> None:
    assert normalise_name(name) == name


def test_spaces_are_trimmed_and_collapsed_and_the_result_is_nfc() -> None:
    assert normalise_name("  Jose\u0301   Li\u3000\u00a0Ming ") == "José Li Ming"


# --- properties ---------------------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_any_text_is_refused_or_comes_out_canonical(text: str) -> None:
    try:
        name = normalise_name(text)
    except InvalidName as refused:
        assert invisible_character(text) is not None
        assert f"U+{ord(invisible_character(text) or ''):04X}" in refused.message
        return
    assert invisible_character(text) is None
    assert unicodedata.is_normalized("NFC", name)
    assert not any(dot in name for dot in DOTS)
    assert name == name.strip() and "  " not in name
    assert normalise_name(name) == name  # idempotent


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.characters(
    min_codepoint=0x20000, max_codepoint=0x2A6DF, categories=["Lo"]
) | st.sampled_from(["䶮", NAME_DOT])


@given(st.text(CJK, min_size=1, max_size=10))
def test_chinese_names_and_extension_b_pass_unchanged(name: str) -> None:
    assert normalise_name(name) == name


@given(st.text(CJK, min_size=1, max_size=5), st.sampled_from(INVISIBLE), st.integers(0, 5))
def test_an_invisible_character_anywhere_is_refused(name: str, ch: str, at: int) -> None:
    with pytest.raises(InvalidName):
        normalise_name(name[:at] + ch + name[at:])


# --- every form with a name, and the import -------------------------------------------------------------


@pytest.mark.parametrize(("form", "field"), NAME_FIELDS)
def test_every_name_field_refuses_invisible_characters(form: type[forms.Form], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        form.base_fields[field].clean("王小\u202e明")
    assert refused.value.messages == [message_for("202E")]


@pytest.mark.parametrize(("form", "field"), NAME_FIELDS)
def test_every_name_field_stores_the_canonical_form(form: type[forms.Form], field: str) -> None:
    assert form.base_fields[field].clean(" 阿依古丽・买买提 ") == "阿依古丽·买买提"
    assert form.base_fields[field].clean("王𠈌") == "王𠈌"


@pytest.mark.parametrize("ch", INVISIBLE)
def test_the_import_refuses_them_with_the_same_message(ch: str) -> None:
    assert read_name(f"孙小{ch}乙").error == message_for(f"{ord(ch):04X}")


def test_the_import_stores_the_same_canonical_name_as_the_forms() -> None:
    read: Any = read_name("阿依古丽•买买提 ")
    assert read.value == "阿依古丽·买买提" and read.error is None
