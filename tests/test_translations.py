"""The English catalogue: complete, placeholder-safe, loadable, and enough to show pages in English."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from .conftest import World

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# printf-style (%(name)s, %(seconds).1f, %s, %d) and brace-style ({n}) placeholders.
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%[sdfir]|\{[^{}\s]*\}")
# Han ideographs plus CJK and full-width punctuation: either means Chinese text was left untranslated.
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# The switch back to Chinese names its language in Chinese on purpose.
CHINESE_SWITCH = re.compile(r'<button[^>]*\blang="zh-hans"[^>]*>简体中文</button>')


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def live_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def translations_of(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def chinese_left_in(html: str) -> list[str]:
    return CHINESE.findall(CHINESE_SWITCH.sub("", html))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


@pytest.fixture
def compiled_english(tmp_path: Path, settings: Any) -> None:
    """Compile the catalogue afresh into a temporary locale folder and point Django at it."""
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(PO_PATH)).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]


@pytest.fixture
def english_client(client: Client, compiled_english: None) -> Client:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    return client


def test_every_english_entry_is_translated_and_none_is_fuzzy(catalogue: polib.POFile) -> None:
    nplurals = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))  # type: ignore[union-attr]
    untranslated = [
        entry.msgid
        for entry in live_entries(catalogue)
        if not all(text.strip() for text in translations_of(entry))
        or (entry.msgid_plural and len(entry.msgstr_plural) != nplurals)
    ]
    fuzzy = [entry.msgid for entry in live_entries(catalogue) if "fuzzy" in entry.flags]
    assert live_entries(catalogue), "the English catalogue has no entries"
    assert untranslated == [], f"untranslated English entries: {untranslated}"
    assert fuzzy == [], f"fuzzy English entries: {fuzzy}"
    assert not catalogue.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"


def test_every_english_entry_keeps_the_placeholders_of_its_msgid(catalogue: polib.POFile) -> None:
    mismatched = [
        (entry.msgid, text)
        for entry in live_entries(catalogue)
        for text in translations_of(entry)
        if placeholders(text) != placeholders(entry.msgid_plural or entry.msgid)
    ]
    assert mismatched == [], f"placeholders differ between msgid and msgstr: {mismatched}"


def test_the_placeholder_check_notices_a_dropped_or_renamed_placeholder() -> None:
    assert placeholders("第%(row)d行：%(message)s") == {"%(row)d", "%(message)s"}
    assert placeholders("Line %(row)d") != placeholders("第%(row)d行：%(message)s")
    assert placeholders("ASQ item {n}") == placeholders("ASQ第{n}题") != placeholders("ASQ item {m}")
    assert placeholders("%(seconds).1f s, 100%%") == {"%(seconds).1f"}


def test_the_compiled_catalogue_speaks_english(compiled_english: None) -> None:
    with translation.override("en"):
        assert translation.gettext("留守儿童关爱服务平台") == "Left-behind Children Support Platform"
        assert translation.ngettext("共 %(n)s 名儿童", "共 %(n)s 名儿童", 1) == "%(n)s child"
        assert translation.ngettext("共 %(n)s 名儿童", "共 %(n)s 名儿童", 3) == "%(n)s children"
        assert translation.pgettext("list separator", "、") == ", "
        assert translation.pgettext("clause separator", "；") == "; "
        assert translation.pgettext("plural", "筛查批次") == "Screening campaigns"
    with translation.override("zh-hans"):
        assert translation.gettext("留守儿童关爱服务平台") == "留守儿童关爱服务平台"


def test_a_count_of_people_is_plural_aware_where_exact_and_neutral_where_suppressed(
    compiled_english: None,
) -> None:
    with translation.override("en"):
        assert translation.ngettext("%(n)s 人", "%(n)s 人", 1) == "%(n)s child"
        assert translation.ngettext("%(n)s 人", "%(n)s 人", 2) == "%(n)s children"
        # a suppressed count is a display string ("<5", "*", "12"), never exactly one child
        assert translation.pgettext("suppressed count", "%(n)s 人") % {"n": "<5"} == "<5 children"
    with translation.override("zh-hans"):
        assert translation.pgettext("suppressed count", "%(n)s 人") % {"n": "<5"} == "<5 人"


def test_it_shows_the_login_page_in_english_after_switching_language(english_client: Client) -> None:
    html = english_client.get("/login/").content.decode()
    assert '<html lang="en">' in html and "Sign in" in html and "Username" in html
    assert CHINESE_SWITCH.search(html), "the switch back to Chinese is missing"
    assert chinese_left_in(html) == []


def test_it_shows_the_start_page_of_an_account_without_roles_in_english(
    english_client: Client, world: World
) -> None:
    english_client.force_login(world.user("nobody"))
    html = english_client.get("/").content.decode()
    assert "Your account has no role yet" in html and "Sign out" in html
    assert chinese_left_in(html) == []


def test_it_keeps_chinese_as_the_default_language(client: Client) -> None:
    html = client.get("/login/").content.decode()
    assert "登录" in html and "Sign in" not in html


def test_it_shows_the_campaign_roster_to_a_counsellor_in_english(
    english_client: Client, world: World
) -> None:
    english_client.force_login(world.user("counsellor"))
    url = reverse("screening:campaign-detail", kwargs={"public_id": world.camp1.public_id})
    text = english_client.get(url).content.decode()
    assert "Roster" in text and "Screening consent" in text and "Paper entry" in text
    # only data is left in Chinese: the names of the campaign, school, children and classes
    assert set(chinese_left_in(text)) <= {"秋季筛查", "一乡中心学校", "王小䶮", "李小明", "班"}


def test_it_shows_the_paper_entry_page_in_english(english_client: Client, world: World) -> None:
    english_client.force_login(world.user("counsellor"))
    url = reverse("screening:entry-paper", kwargs={"public_id": world.c1.public_id})
    text = english_client.get(f"{url}?campaign={world.camp1.public_id}").content.decode()
    assert "Paper questionnaire entry" in text and "Save and score" in text
    assert "Child&#x27;s own assent" in text
    assert set(chinese_left_in(text)) <= {"秋季筛查", "王小䶮"}


def test_it_shows_the_county_thresholds_in_english(english_client: Client, world: World) -> None:
    english_client.force_login(world.user("county_admin"))
    response = english_client.get(reverse("screening:thresholds"), follow=True)
    text = response.content.decode()
    assert "Warning thresholds" in text and "PHQ-9 moderate cut-off (yellow)" in text
    assert set(chinese_left_in(text)) <= {"测试县"}
