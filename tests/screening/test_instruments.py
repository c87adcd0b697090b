from __future__ import annotations

import pytest

from screening.scoring.instruments import REGISTRY, UnknownInstrument, get_instrument, latest_instruments
from screening.scoring.instruments.base import (
    Band,
    CriticalLevel,
    Instrument,
    Item,
    Option,
    Scale,
    coded_items,
)

NO_TEXT_EVER = ("SDQ", "DSRSC", "SCARED-41", "CLS")


def test_every_instrument_of_the_specification_is_registered():
    codes = {code for code, _version in REGISTRY}
    assert codes == {"PHQ-9", "GAD-7", "ASQ", "CES-DC", "DSRSC", "SCARED-41", "SDQ", "CLS"}


def test_lookup_ignores_case_and_surrounding_spaces():
    assert get_instrument(" phq-9 ").code == "PHQ-9"


def test_lookup_of_an_unknown_instrument_explains_in_chinese():
    with pytest.raises(UnknownInstrument, match="未知的量表"):
        get_instrument("BDI")


def test_lookup_of_an_unknown_version_names_the_version():
    with pytest.raises(UnknownInstrument, match="没有版本 7"):
        get_instrument("PHQ-9", "7")


def test_a_stored_version_is_found_by_code_and_version():
    assert get_instrument("SDQ", "1") is REGISTRY[("SDQ", "1")]


@pytest.mark.parametrize("code", NO_TEXT_EVER)
def test_restricted_instruments_carry_no_item_text_and_no_option_wording(code):
    inst = get_instrument(code)
    assert not inst.text_allowed
    assert all(item.text is None for item in inst.items)
    assert all(option.label is None for item in inst.items for option in item.options)


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7", "CES-DC", "ASQ"])
def test_unconfirmed_chinese_wording_ships_as_paper_entry_and_says_so(code):
    inst = get_instrument(code)
    assert not inst.text_allowed
    assert all(item.text is None for item in inst.items)
    assert "纸质录入" in str(inst.licence_note)


@pytest.mark.parametrize("code", ["PHQ-9", "GAD-7"])
def test_pfizer_instruments_keep_the_attribution_line(code):
    assert "Pfizer" in str(get_instrument(code).licence_note)


def test_a_definition_with_item_text_but_no_licence_for_it_is_refused():
    options = (Option(0), Option(1))
    with_text = (Item(1, options, text="x"), Item(2, options))
    with pytest.raises(ValueError, match="text_allowed"):
        Instrument(code="X", version="1", title="x", items=with_text, total=Scale("total", "x", (1, 2)))


def test_a_definition_with_overlapping_bands_is_refused():
    bands = (Band("a", 0, 1, "a"), Band("b", 1, 2, "b"))
    with pytest.raises(ValueError, match="bands"):
        Instrument(
            code="X",
            version="1",
            title="x",
            items=coded_items(2, range(0, 2)),
            total=Scale("total", "x", (1, 2), bands),
        )


def test_scared_subscales_cover_all_41_items_exactly_once():
    inst = get_instrument("SCARED-41")
    items = [n for scale in inst.subscales for n in scale.items]
    assert sorted(items) == list(range(1, 42))


def test_sdq_reverse_keys_follow_the_published_scoring_syntax():
    assert get_instrument("SDQ").reverse_keyed == {7, 11, 14, 21, 25}


def test_sdq_subscales_cover_all_25_items_and_the_total_leaves_out_prosocial():
    inst = get_instrument("SDQ")
    assert sorted(n for s in inst.subscales for n in s.items) == list(range(1, 26))
    prosocial = next(s for s in inst.subscales if s.key == "prosocial")
    assert not set(prosocial.items) & set(inst.total.items)
    assert inst.total_from_subscales == ("emotional", "conduct", "hyperactivity", "peer")


def test_loneliness_scores_sixteen_items_and_skips_the_fillers():
    inst = get_instrument("CLS")
    fillers = {2, 5, 7, 11, 13, 15, 19, 23}
    assert len(inst.total.items) == 16
    assert not fillers & set(inst.total.items)
    assert inst.reverse_keyed == {1, 4, 8, 10, 16, 22}
    assert inst.total.bands == ()


@pytest.mark.parametrize(
    ("code", "days"),
    [("PHQ-9", 14), ("GAD-7", 14), ("CES-DC", 7), ("DSRSC", 7), ("SCARED-41", 90)],
)
def test_recall_windows_match_the_minimum_readministration_interval(code, days):
    assert get_instrument(code).recall_window_days == days


@pytest.mark.parametrize("inst", latest_instruments(), ids=lambda i: i.code)
def test_every_instrument_has_a_chinese_title_and_a_licence_note(inst):
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(inst.title))
    assert str(inst.licence_note)


def test_asq_acuity_question_is_optional_so_its_absence_is_not_missing():
    inst = get_instrument("ASQ")
    assert [i.required for i in inst.items] == [True, True, True, True, False]


# --- the definitions against the table of SCREENING.md section 1 ------------------------------------------


@pytest.mark.parametrize(
    ("code", "ages"),
    [
        ("PHQ-9", (13, 17)),
        ("GAD-7", (10, 17)),
        ("ASQ", (8, None)),
        ("CES-DC", (6, 17)),
        ("DSRSC", (8, 16)),
        ("SCARED-41", (8, 18)),
        ("SDQ", (11, 17)),
        ("CLS", (8, 12)),
    ],
)
def test_age_ranges_are_the_validated_ones(code, ages):
    assert get_instrument(code).age_range == ages


@pytest.mark.parametrize(
    ("code", "items", "values", "reverse"),
    [
        ("PHQ-9", 9, (0, 3), set()),
        ("GAD-7", 7, (0, 3), set()),
        ("ASQ", 5, (0, 1), set()),
        ("CES-DC", 20, (0, 3), {4, 8, 12, 16}),
        ("DSRSC", 18, (0, 2), {1, 2, 4, 7, 8, 9, 11, 12, 13, 16}),
        ("SCARED-41", 41, (0, 2), set()),
        ("SDQ", 25, (0, 2), {7, 11, 14, 21, 25}),
        ("CLS", 24, (1, 5), {1, 4, 8, 10, 16, 22}),
    ],
)
def test_items_answer_codes_and_reverse_keys_follow_the_published_forms(code, items, values, reverse):
    inst = get_instrument(code)
    assert len(inst.items) == items
    assert {(i.min_value, i.max_value) for i in inst.items} == {values}
    assert inst.reverse_keyed == reverse


@pytest.mark.parametrize(
    ("code", "rules"),
    [
        ("PHQ-9", {(9, 1, CriticalLevel.CRITICAL)}),
        ("GAD-7", set()),
        ("ASQ", {*((n, 1, CriticalLevel.CRITICAL) for n in range(1, 5)), (5, 1, CriticalLevel.ACUTE)}),
        ("CES-DC", set()),
        ("DSRSC", {(10, 1, CriticalLevel.CRITICAL)}),
        ("SCARED-41", set()),
        ("SDQ", {(19, 1, CriticalLevel.NOTICE)}),
        ("CLS", set()),
    ],
)
def test_critical_items_are_exactly_the_listed_ones(code, rules):
    assert {(r.item, r.min_value, r.level) for r in get_instrument(code).critical} == rules


def test_scared_subscales_hold_the_listed_items():
    expected = {
        "panic_somatic": (1, 6, 9, 12, 15, 18, 19, 22, 24, 27, 30, 34, 38),
        "generalized_anxiety": (5, 7, 14, 21, 23, 28, 33, 35, 37),
        "separation_anxiety": (4, 8, 13, 16, 20, 25, 29, 31),
        "social_anxiety": (3, 10, 26, 32, 39, 40, 41),
        "school_avoidance": (2, 11, 17, 36),
    }
    assert {s.key: s.items for s in get_instrument("SCARED-41").subscales} == expected


@pytest.mark.parametrize("inst", latest_instruments(), ids=lambda i: i.code)
def test_a_scale_is_scored_with_at_most_20_percent_missing_and_sdq_with_3_of_5(inst):
    for scale in (inst.total, *inst.subscales):
        if inst.code == "SDQ" and scale.key != "total":
            assert scale.required_answers == 3
            continue
        n = len(scale.items)
        missing_allowed = n - scale.required_answers
        assert missing_allowed / n <= 0.2 < (missing_allowed + 1) / n, (inst.code, scale.key)
