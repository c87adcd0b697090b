"""The fields a roster may hold, the header labels they go by, and the words of their choice columns.

Header labels and the words in choice cells are a file format (what counties write), so they are
fixed Chinese strings and deliberately not translated; the field names shown on the mapping page are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lbc.models import Child, ChildGuardian, Sex


class Field(StrEnum):
    NAME = "name"
    FAMILY_NAME = "family_name"
    GIVEN_NAME = "given_name"
    SEX = "sex"
    ID_NUMBER = "id_number"
    BIRTH_DATE = "birth_date"
    SCHOOL = "school"
    GRADE = "grade"
    CLASS = "class"
    TOWNSHIP = "township"
    VILLAGE = "village"
    LEFT_BEHIND_TYPE = "left_behind_type"
    PARENT_CONTACT = "parent_contact"
    CARE_ARRANGEMENT = "care_arrangement"
    GUARDIAN_NAME = "guardian_name"
    GUARDIAN_RELATION = "guardian_relation"
    GUARDIAN_SEX = "guardian_sex"
    GUARDIAN_PHONE = "guardian_phone"
    FATHER_WORK_CITY = "father_work_city"
    MOTHER_WORK_CITY = "mother_work_city"


LABELS: dict[Field, Promise] = {
    Field.NAME: _("姓名"),
    Field.FAMILY_NAME: _("姓"),
    Field.GIVEN_NAME: _("名"),
    Field.SEX: _("性别"),
    Field.ID_NUMBER: _("身份证号码"),
    Field.BIRTH_DATE: _("出生日期"),
    Field.SCHOOL: _("学校"),
    Field.GRADE: _("年级"),
    Field.CLASS: _("班级"),
    Field.TOWNSHIP: _("乡镇/街道"),
    Field.VILLAGE: _("户籍村/社区"),
    Field.LEFT_BEHIND_TYPE: _("留守类型"),
    Field.PARENT_CONTACT: _("与父母联系频率"),
    Field.CARE_ARRANGEMENT: _("照料方式"),
    Field.GUARDIAN_NAME: _("监护人姓名"),
    Field.GUARDIAN_RELATION: _("监护人与儿童关系"),
    Field.GUARDIAN_SEX: _("监护人性别"),
    Field.GUARDIAN_PHONE: _("监护人电话"),
    Field.FATHER_WORK_CITY: _("父亲务工地"),
    Field.MOTHER_WORK_CITY: _("母亲务工地"),
}

# Labels seen in the rosters counties keep (school class rosters, the civil-affairs list).
SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.NAME: ("姓名", "学生姓名", "儿童姓名", "留守儿童姓名", "名字"),
    Field.FAMILY_NAME: ("姓",),
    Field.GIVEN_NAME: ("名",),
    Field.SEX: ("性别", "儿童性别", "学生性别"),
    Field.ID_NUMBER: (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号码",
        "儿童身份证号",
        "学生身份证号",
    ),
    Field.BIRTH_DATE: ("出生日期", "出生年月日", "生日", "出生年月"),
    Field.SCHOOL: ("学校", "就读学校", "学校名称", "所在学校", "就读学校名称"),
    Field.GRADE: ("年级", "就读年级"),
    Field.CLASS: ("班级", "班", "就读班级"),
    Field.TOWNSHIP: ("乡镇", "乡镇街道", "所在乡镇", "乡镇名称", "户籍乡镇"),
    Field.VILLAGE: ("村", "村社区", "户籍村", "所在村", "户籍所在村", "村居", "户籍村社区", "村名"),
    Field.LEFT_BEHIND_TYPE: ("留守类型", "留守情况", "留守儿童类型"),
    Field.PARENT_CONTACT: ("与父母联系频率", "联系频率", "与父母联系情况", "亲子联系频率"),
    Field.CARE_ARRANGEMENT: ("照料方式", "监护类型", "监护方式", "照料类型"),
    Field.GUARDIAN_NAME: ("监护人姓名", "监护人", "委托监护人姓名", "照料人姓名", "委托照护人"),
    Field.GUARDIAN_RELATION: ("与儿童关系", "监护人关系", "监护人与儿童关系", "与监护人关系", "关系"),
    Field.GUARDIAN_SEX: ("监护人性别",),
    Field.GUARDIAN_PHONE: (
        "监护人电话",
        "监护人联系电话",
        "联系电话",
        "电话",
        "手机号码",
        "监护人手机",
        "联系方式",
    ),
    Field.FATHER_WORK_CITY: ("父亲务工地", "父亲务工地点", "父亲外出务工地", "父亲外出务工地点"),
    Field.MOTHER_WORK_CITY: ("母亲务工地", "母亲务工地点", "母亲外出务工地", "母亲外出务工地点"),
}

# Fields one row must carry in any case, and those a child not yet registered needs as well.
ALWAYS = (Field.ID_NUMBER,)
FOR_NEW = (Field.VILLAGE, Field.LEFT_BEHIND_TYPE, Field.PARENT_CONTACT, Field.CARE_ARRANGEMENT)

_SPACE_AND_MARKS = re.compile(r"[\s*＊:：()（）/／、]")


def normalise_label(label: str) -> str:
    """Compare header labels without spaces, required-field stars, colons, brackets and slashes."""
    return _SPACE_AND_MARKS.sub("", label)


BY_LABEL: dict[str, Field] = {
    normalise_label(label): field for field, labels in SYNONYMS.items() for label in labels
}


def suggest(label: str) -> Field | None:
    return BY_LABEL.get(normalise_label(label))


# --- the words of choice cells ----------------------------------------------------------------------

SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE}
LEFT_BEHIND_WORDS = {
    "父母双方外出务工": Child.LeftBehindType.BOTH_AWAY,
    "父母均外出务工": Child.LeftBehindType.BOTH_AWAY,
    "双方外出": Child.LeftBehindType.BOTH_AWAY,
    "一方外出另一方无监护能力": Child.LeftBehindType.ONE_AWAY_OTHER_UNABLE,
    "一方外出务工另一方无监护能力": Child.LeftBehindType.ONE_AWAY_OTHER_UNABLE,
    "一方外出务工": Child.LeftBehindType.ONE_AWAY,
    "一方外出": Child.LeftBehindType.ONE_AWAY,
}
CONTACT_WORDS = {
    "每周至少一次": Child.ContactFrequency.WEEKLY,
    "每周": Child.ContactFrequency.WEEKLY,
    "每月至少一次": Child.ContactFrequency.MONTHLY,
    "每月": Child.ContactFrequency.MONTHLY,
    "每季度": Child.ContactFrequency.QUARTERLY,
    "半年到一年一次": Child.ContactFrequency.YEARLY,
    "每年": Child.ContactFrequency.YEARLY,
    "几乎没有联系": Child.ContactFrequency.NEVER,
    "几乎不联系": Child.ContactFrequency.NEVER,
}
CARE_WORDS = {
    "祖父母照料": Child.CareArrangement.GRANDPARENTS,
    "祖辈监护": Child.CareArrangement.GRANDPARENTS,
    "其他亲属照料": Child.CareArrangement.RELATIVES,
    "亲友监护": Child.CareArrangement.RELATIVES,
    "自己或兄弟姐妹照料": Child.CareArrangement.SELF,
    "自我监护": Child.CareArrangement.SELF,
    "另一方父母无监护能力": Child.CareArrangement.OTHER_PARENT,
    "父母一方监护": Child.CareArrangement.OTHER_PARENT,
    "其他": Child.CareArrangement.OTHER,
}
R = ChildGuardian.Relationship
RELATION_WORDS = {
    "祖父": R.GRANDFATHER_PATERNAL,
    "爷爷": R.GRANDFATHER_PATERNAL,
    "祖母": R.GRANDMOTHER_PATERNAL,
    "奶奶": R.GRANDMOTHER_PATERNAL,
    "外祖父": R.GRANDFATHER_MATERNAL,
    "外公": R.GRANDFATHER_MATERNAL,
    "姥爷": R.GRANDFATHER_MATERNAL,
    "外祖母": R.GRANDMOTHER_MATERNAL,
    "外婆": R.GRANDMOTHER_MATERNAL,
    "姥姥": R.GRANDMOTHER_MATERNAL,
    "父亲": R.FATHER,
    "爸爸": R.FATHER,
    "父子": R.FATHER,
    "父女": R.FATHER,
    "母亲": R.MOTHER,
    "妈妈": R.MOTHER,
    "母子": R.MOTHER,
    "母女": R.MOTHER,
    "其他亲属": R.RELATIVE,
    "亲属": R.RELATIVE,
    "叔叔": R.RELATIVE,
    "伯父": R.RELATIVE,
    "姑姑": R.RELATIVE,
    "舅舅": R.RELATIVE,
    "姨妈": R.RELATIVE,
    "哥哥": R.RELATIVE,
    "姐姐": R.RELATIVE,
    "其他": R.OTHER,
}
# The guardian's sex where the relationship says it.
RELATION_SEX = {
    R.GRANDFATHER_PATERNAL: Sex.MALE,
    R.GRANDFATHER_MATERNAL: Sex.MALE,
    R.FATHER: Sex.MALE,
    R.GRANDMOTHER_PATERNAL: Sex.FEMALE,
    R.GRANDMOTHER_MATERNAL: Sex.FEMALE,
    R.MOTHER: Sex.FEMALE,
}
LEGAL_GUARDIANS = frozenset({R.FATHER, R.MOTHER})


def choice_key(text: str) -> str:
    """Choice words compare without spaces, brackets and punctuation (“一方外出，另一方无监护能力”)."""
    return re.sub(r"[\s（）()，,、/／]", "", text)


def first_word(words: Mapping[str, str], value: str) -> str:
    """The word a file writes for ``value`` (the first listed, which is the registry's own label)."""
    return next((word for word, v in words.items() if v == value), "")
