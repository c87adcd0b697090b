"""Campaign summary figures and small-cell suppression, without the database.

The reader model of the strongest test: someone who knows the suppression rules, sees both published
tables, knows that "<5" means 0-4 and "*" means 5 or more, and solves for the hidden numbers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from lbc.reporting.suppression import Relation, Shown, Table, TableRow, suppress
from screening.records.summary import CampaignSummary, ScreenedChild, summarise

TIERS = ("RED_ACUTE", "RED", "ORANGE", "YELLOW", "GREEN", "GREY")


def kids(grade: int | None, sex: str, tier: str, n: int, critical: bool = False) -> list[ScreenedChild]:
    return [ScreenedChild(grade, sex, tier, critical)] * n


def row(table: Table, label: str) -> tuple[str, ...]:
    return next(r.values for r in table.rows if r.label == label)


# --- reading the published tables as an attacker would ------------------------------------------------


def pinned_small_cells(summary: CampaignSummary, sexes: int = 2) -> list[tuple[str, int, int]]:
    """Every "<5" cell that the published numbers fix to one non-zero value (integer programming)."""
    tiers = [list(r.values) for r in summary.tiers.rows]
    part = [list(r.values[:3]) for r in summary.participation.rows]
    cells = [("t", i, j) for i in range(len(tiers)) for j in range(len(tiers[0]))]
    cells += [("p", i, j) for i in range(len(part)) for j in range(3)]
    index = {c: k for k, c in enumerate(cells)}

    def value(cell: tuple[str, int, int]) -> str:
        table = tiers if cell[0] == "t" else part
        return table[cell[1]][cell[2]]

    equations: list[dict[int, int]] = []
    for t, grid, width in (("t", tiers, len(tiers[0])), ("p", part, 3)):
        if t == "t":
            equations += [
                {**{index[(t, i, j)]: 1 for j in range(width - 1)}, index[(t, i, width - 1)]: -1}
                for i in range(len(grid))
            ]
        else:
            equations += [
                {index[(t, i, 1)]: 1, index[(t, i, 2)]: 1, index[(t, i, 0)]: -1} for i in range(len(grid))
            ]
        last = len(grid) - 1
        equations += [
            {**{index[(t, i, j)]: 1 for i in range(last)}, index[(t, last, j)]: -1} for j in range(width)
        ]
    # A grade's "screened" is the sum of that grade's rows (one per sex) in the tier table.
    total_column = len(tiers[0]) - 1
    for g in range(len(part) - 1):
        eq = {index[("t", g * sexes + s, total_column)]: 1 for s in range(sexes)}
        eq[index[("p", g, 1)]] = -1
        equations.append(eq)
    equations.append({index[("t", len(tiers) - 1, total_column)]: 1, index[("p", len(part) - 1, 1)]: -1})

    matrix = np.zeros((len(equations), len(cells)))
    for r, eq in enumerate(equations):
        for k, coefficient in eq.items():
            matrix[r, k] = coefficient
    low, high = [], []
    for cell in cells:
        shown = value(cell)
        low.append(0 if shown == "<5" else 5 if shown == "*" else int(shown))
        high.append(4 if shown == "<5" else 10_000 if shown == "*" else int(shown))
    constraint = LinearConstraint(matrix, 0, 0)
    bounds = Bounds(low, high)
    integrality = np.ones(len(cells))
    pinned = []
    for cell in cells:
        if value(cell) != "<5":
            continue
        objective = np.zeros(len(cells))
        objective[index[cell]] = 1
        smallest = milp(objective, constraints=constraint, bounds=bounds, integrality=integrality)
        largest = milp(-objective, constraints=constraint, bounds=bounds, integrality=integrality)
        assert smallest.success and largest.success
        if round(smallest.fun) == round(-largest.fun) != 0:
            pinned.append(cell)
    return pinned


def test_the_attacker_check_finds_a_lone_small_cell_that_totals_give_away() -> None:
    """The check below is only worth something if it catches the obvious leak: one "<5" in a shown row."""
    tiers = Table(
        columns=(*TIERS, "合计"),
        rows=(
            TableRow("5年级 男", ("0", "0", "0", "5", "20", "0", "25")),
            TableRow("5年级 女", ("0", "<5", "0", "0", "20", "0", "23")),
            TableRow("合计", ("0", "3", "0", "5", "40", "0", "48"), is_total=True),
        ),
    )
    participation = Table(
        columns=("应筛查", "已筛查", "未筛查", "参与率"),
        rows=(
            TableRow("5年级", ("48", "48", "0", "100%")),
            TableRow("合计", ("48", "48", "0", "100%"), True),
        ),
    )
    leaky = CampaignSummary(participation, tiers, screened="48", critical="3", suppressed=True)
    assert pinned_small_cells(leaky) == [("t", 1, 1)]


# --- suppression rules -----------------------------------------------------------------------------------


def test_a_school_with_one_flagged_child_shows_less_than_five() -> None:
    screened = kids(5, "F", "RED", 1, critical=True) + kids(5, "F", "GREEN", 30) + kids(5, "M", "GREEN", 30)
    summary = summarise(screened, {5: 0}, [5])
    assert row(summary.tiers, "合计")[TIERS.index("RED")] == "<5"
    assert row(summary.tiers, "5年级 女")[TIERS.index("RED")] == "<5"
    assert summary.critical == "<5"
    assert "1" not in {v for r in summary.tiers.rows for v in r.values}


def test_zero_is_shown_as_less_than_five_too() -> None:
    summary = summarise(kids(5, "F", "GREEN", 12) + kids(5, "M", "GREEN", 12), {5: 0}, [5])
    assert row(summary.tiers, "合计")[TIERS.index("RED_ACUTE")] == "<5"
    assert summary.critical == "<5"


def test_counts_of_five_and_more_are_shown_when_nothing_small_can_be_worked_out_from_them() -> None:
    summary = summarise(kids(5, "F", "GREEN", 12) + kids(5, "M", "GREEN", 9), {5: 6}, [5])
    assert row(summary.participation, "5年级") == ("27", "21", "6", "78%")
    assert row(summary.tiers, "5年级 女")[TIERS.index("GREEN")] == "12"
    assert summary.screened == "21"


def test_a_lone_small_cell_takes_the_smallest_other_part_of_its_row_with_it() -> None:
    counts = {"a": 3, "b": 10, "c": 20, "total": 33}
    shown = suppress(counts, [Relation("total", ("a", "b", "c"))])
    assert shown == {"a": Shown.SMALL, "b": Shown.COMPLEMENTARY, "c": Shown.SHOWN, "total": Shown.SHOWN}


def test_small_cells_that_could_only_all_be_four_take_another_cell_with_them() -> None:
    counts = {"a": 4, "b": 4, "c": 20, "total": 28}
    shown = suppress(counts, [Relation("total", ("a", "b", "c"))])
    assert shown["c"] is Shown.COMPLEMENTARY


def test_two_zeros_in_a_row_need_no_complement() -> None:
    counts = {"a": 0, "b": 0, "c": 20, "total": 20}
    shown = suppress(counts, [Relation("total", ("a", "b", "c"))])
    assert shown == {"a": Shown.SMALL, "b": Shown.SMALL, "c": Shown.SHOWN, "total": Shown.SHOWN}


def test_a_complement_that_unbalances_a_column_is_balanced_in_turn() -> None:
    # Rows r1, r2 and a total row; columns x, y and a total column.
    counts = {"r1x": 2, "r1y": 10, "r1": 12, "r2x": 8, "r2y": 9, "r2": 17, "x": 10, "y": 19, "all": 29}
    relations = [
        Relation("r1", ("r1x", "r1y")),
        Relation("r2", ("r2x", "r2y")),
        Relation("x", ("r1x", "r2x")),
        Relation("y", ("r1y", "r2y")),
        Relation("all", ("x", "y")),
        Relation("all", ("r1", "r2")),
    ]
    shown = suppress(counts, relations)
    hidden = {k for k, s in shown.items() if s is not Shown.SHOWN}
    assert hidden == {"r1x", "r1y", "r2x", "r2y"}


def test_no_hidden_small_count_can_be_worked_out_from_the_published_tables() -> None:
    rng = random.Random(20261027)  # a seed whose worlds leak when only rule a is applied
    for _world in range(20):
        grades = sorted(rng.sample([4, 5, 6, 7], rng.randint(1, 2)))
        screened: list[ScreenedChild] = []
        for grade in grades:
            for sex in ("M", "F"):
                for _child in range(rng.choice([0, 1, 2, 6, 14, 30])):
                    tier = rng.choices(TIERS, weights=[1, 6, 8, 20, 60, 5])[0]
                    screened.append(ScreenedChild(grade, sex, tier, tier.startswith("RED")))
        unscreened = {g: rng.choice([0, 1, 3, 7]) for g in grades}
        summary = summarise(screened, unscreened, grades)
        assert pinned_small_cells(summary) == [], (grades, summary)


def test_a_participation_rate_is_only_shown_where_both_of_its_numbers_are() -> None:
    summary = summarise(kids(5, "F", "GREEN", 12) + kids(5, "M", "GREEN", 12), {5: 2}, [5])
    _target, screened, unscreened, rate = row(summary.participation, "5年级")
    assert unscreened == "<5"
    assert screened == "*" and rate == "—"


def test_the_screened_total_is_hidden_in_both_tables_or_in_neither() -> None:
    for n in (3, 30):
        summary = summarise(kids(5, "F", "GREEN", n), {5: 0}, [5])
        assert summary.screened == row(summary.tiers, "合计")[-1] == row(summary.participation, "合计")[1]


@pytest.mark.parametrize("grades", [[5], [4, 5, 6]])
def test_every_target_grade_is_listed_even_without_children(grades: Sequence[int]) -> None:
    summary = summarise([], {}, grades)
    labels = [r.label for r in summary.participation.rows]
    assert labels == [*(f"{g}年级" for g in grades), "合计"]
    assert [r.label for r in summary.tiers.rows][:2] == [f"{grades[0]}年级 男", f"{grades[0]}年级 女"]


def test_children_without_a_grade_get_a_row_of_their_own_after_the_grades() -> None:
    summary = summarise(kids(None, "M", "GREEN", 7) + kids(5, "M", "GREEN", 7), {}, [5])
    assert [r.label for r in summary.participation.rows] == ["5年级", "年级不详", "合计"]
