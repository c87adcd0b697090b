"""Pre/post change with a paired t-interval, attendance tables with small cells suppressed, their charts."""

from __future__ import annotations

import pytest
from scipy import stats

from training.charts import attendance_png, change_png
from training.effect import GroupCount, PairedChange, attendance_table, paired_change


def test_only_people_with_both_scores_count_and_the_interval_matches_scipy() -> None:
    pre = [10, 12, 9, 14, 11, 13, None, 8]
    post = [13, 15, 11, 16, 14, 14, 20, None]
    result = paired_change(zip(pre, post, strict=True))
    assert result.pairs == 6
    pairs = [(a, b) for a, b in zip(pre, post, strict=True) if a is not None and b is not None]
    differences = [b - a for a, b in pairs]
    expected = stats.ttest_rel([b for _a, b in pairs], [a for a, _b in pairs]).confidence_interval(0.95)
    assert result.change == pytest.approx(sum(differences) / 6)
    assert result.low == pytest.approx(expected.low)
    assert result.high == pytest.approx(expected.high)
    assert result.pre_mean == pytest.approx(sum(a for a, _b in pairs) / 6)
    assert result.excludes_zero  # everyone improved


def test_identical_changes_give_a_zero_width_interval() -> None:
    result = paired_change([(1, 3)] * 5)
    assert result.change == result.low == result.high == 2


def test_fewer_than_five_pairs_publish_nothing_but_the_small_count() -> None:
    result = paired_change([(1, 3), (2, 4), (3, None), (None, 5), (2, 2), (1, 1)])
    assert result.pairs == 4 and not result.enough
    assert result.change is None and result.low is None
    assert result.pairs_text == "<5" and result.interval_text == "—"


def test_attendance_counts_under_five_show_as_less_than_five_and_totals_cannot_give_them_away() -> None:
    figures = attendance_table(
        [GroupCount("t1", "一乡", 20, 15), GroupCount("t2", "二乡", 3, 2), GroupCount("t3", "三乡", 12, 9)]
    )
    rows = {row.label: row.values for row in figures.table.rows}
    assert rows["二乡"] == ("<5", "<5", "—")
    # One hidden cell per column would be total minus the rest: a second cell is hidden with "*".
    assert "*" in rows["一乡"] + rows["三乡"]
    assert figures.suppressed
    assert {b.label for b in figures.bars} < {"一乡", "三乡"}


def test_large_groups_show_counts_and_rates() -> None:
    figures = attendance_table(
        [GroupCount("grandparents", "祖辈", 40, 30), GroupCount("parents", "家长", 10, 5)]
    )
    rows = {row.label: row.values for row in figures.table.rows}
    assert rows["祖辈"] == ("40", "30", "75%")
    assert rows["合计"] == ("50", "35", "70%")
    assert not figures.suppressed
    assert [(b.label, b.rate) for b in figures.bars] == [("祖辈", 0.75), ("家长", 0.5)]


def test_the_charts_are_png_images() -> None:
    figures = attendance_table([GroupCount("a", "䶮山村", 10, 8)])
    assert attendance_png("出席率", figures.bars, hidden=1).startswith(b"\x89PNG")
    changes = [("第1次", paired_change([(1, 3), (2, 5), (3, 3), (1, 4), (2, 2)])), ("第2次", PairedChange(2))]
    assert change_png("前后测变化", changes).startswith(b"\x89PNG")
