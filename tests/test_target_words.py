"""Targets typed as the seeds word them, read into Target Type + Target Value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import write_tracker_openpyxl
from saypro_xl import contract, rules, template
from saypro_xl.model import Direction, TargetType
from saypro_xl.read import load_tracker
from saypro_xl.sample import sample_tracker
from saypro_xl.target_words import TargetWordingError, check_against_type, read_target_wording

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER
PCT, CHANGE, ABSOLUTE = TargetType.PCT_CHANGE, TargetType.CHANGE, TargetType.ABSOLUTE


@pytest.mark.parametrize("text, direction, unit, expected", [
    ("15% increase", HIGHER, "%", (PCT, 15.0)),
    ("increase of 15 %", HIGHER, "%", (PCT, 15.0)),
    ("30% reduction", LOWER, "hours", (PCT, -30.0)),
    ("25% faster", LOWER, "hours", (PCT, -25.0)),  # faster = less time
    ("10% improvement", HIGHER, "%", (PCT, 10.0)),  # improvement follows the Direction
    ("10% improvement", LOWER, "days", (PCT, -10.0)),
    ("+15%", HIGHER, "", (PCT, 15.0)),
    ("+5 pp", HIGHER, "%", (CHANGE, 5.0)),  # percentage points: added, not multiplied
    ("5 percentage points", HIGHER, "%", (CHANGE, 5.0)),
    ("-3 pp", LOWER, "%", (CHANGE, -3.0)),
    ("2-week reduction", LOWER, "days", (CHANGE, -14.0)),  # converted to the KPI's Unit
    ("2-week reduction", LOWER, "weeks", (CHANGE, -2.0)),
    ("3 days faster", LOWER, "days", (CHANGE, -3.0)),
    ("reach 90", HIGHER, "%", (ABSOLUTE, 90.0)),
    ("  Reach   4,5 ", LOWER, "hours", (ABSOLUTE, 4.5)),  # a decimal comma, spaces and capitals
])
def test_the_seeds_wording(text, direction, unit, expected):
    reading = read_target_wording(text, direction, unit)
    assert (reading.target_type, reading.value) == expected


@pytest.mark.parametrize("text, direction, unit, message", [
    ("15% increase", LOWER, "hours", 'Target Value "15% increase" asks for an increase, but the KPI\'s Direction '
                                     'is "Lower is better"; change the wording or the Direction'),
    ("30% reduction", HIGHER, "%", 'Target Value "30% reduction" asks for a reduction, but the KPI\'s Direction '
                                   'is "Higher is better"; change the wording or the Direction'),
    ("15%", HIGHER, "%", 'Target Value "15%" gives a percentage without saying which way; write e.g. '
                         '"15% increase", "15% reduction", or "+5 pp" for percentage points'),
    ("2-week reduction", LOWER, "%", 'Target Value "2-week reduction" is a time, but the KPI\'s Unit "%" is not '
                                     "days or weeks; set the Unit to days or weeks, or type the target as a number"),
    ("lots more", HIGHER, "", 'Target Value "lots more" is not a number or a wording we read; type a number, or '
                              'e.g. "15% increase", "30% reduction", "+5 pp", "2-week reduction" or "reach 90"'),
])
def test_contradictions_and_unreadable_wording(text, direction, unit, message):
    with pytest.raises(TargetWordingError) as caught:
        read_target_wording(text, direction, unit)
    assert str(caught.value) == message


def test_wording_against_an_explicit_target_type():
    reading = read_target_wording("15% increase", HIGHER)
    check_against_type(reading, PCT, "15% increase")  # agrees: fine
    with pytest.raises(TargetWordingError, match="reads as % change from baseline, but Target Type says"):
        check_against_type(reading, ABSOLUTE, "15% increase")


# Property tests over the grammar: the number and the kind survive every phrasing.
numbers = st.decimals(min_value="0.1", max_value="999", places=1).map(str)


@given(numbers, st.sampled_from(["increase", "rise", "growth", "more", "higher"]), st.booleans())
def test_any_percent_increase(number, word, space):
    reading = read_target_wording(f"{number}{' ' if space else ''}% {word}", HIGHER)
    assert (reading.target_type, reading.value) == (PCT, float(number))


@given(numbers, st.sampled_from(["reduction", "decrease", "cut", "lower", "less", "faster"]))
def test_any_percent_reduction(number, word):
    reading = read_target_wording(f"{number}% {word}", LOWER)
    assert (reading.target_type, reading.value) == (PCT, -float(number))


@given(numbers, st.sampled_from(["+", "-", ""]), st.sampled_from(["pp", "percentage points", "p.p."]),
       st.sampled_from([HIGHER, LOWER]))
def test_points_are_never_percent_change(number, sign, spelling, direction):
    text = f"{sign}{number} {spelling}"
    goes_up = sign == "+" or (sign == "" and direction is HIGHER)
    if goes_up != (direction is HIGHER):
        with pytest.raises(TargetWordingError):
            read_target_wording(text, direction)
        return
    reading = read_target_wording(text, direction)
    assert reading.target_type is CHANGE
    assert reading.value == (float(number) if goes_up else -float(number))


# --------------------------------------------------- a whole tracker, worded as the seeds


SEED_WORDING = {  # the sample's targets as the organisation's summary table words them
    "SAL-01": "15% increase", "SAL-02": "reach 300000", "SAL-03": "reach 90", "MKT-01": "20% increase",
    "MKT-02": "+0.5 pp", "CS-01": "30% reduction", "CS-02": "reach 4", "OPS-01": "2-week reduction",
    "OPS-02": "10% improvement", "EER-01": "15% reduction", "EER-02": "10% increase",
}


def _sample_rows(worded: bool) -> dict:
    tracker = template.as_written(sample_tracker())
    rows = template._record_rows(tracker, rules.score(tracker))
    inputs = {sheet: [{k: v for k, v in row.items() if k in {c.header for c in contract.INPUT_SHEETS[sheet]
                                                               if not c.computed}} for row in rows[sheet]]
              for sheet in rows}
    if worded:
        for row in inputs[contract.OBJECTIVES_SHEET]:
            row["Target Type"] = None
            row["Target Value"] = SEED_WORDING[row["KPI ID"]]
    settings = {"Organisation": tracker.settings.organisation, "As Of Date": tracker.settings.as_of}
    return dict(settings=settings, objectives=inputs[contract.OBJECTIVES_SHEET],
                actuals=inputs[contract.ACTUALS_SHEET], causes=inputs[contract.CAUSES_SHEET],
                actions=inputs[contract.ACTIONS_SHEET], updates=inputs[contract.UPDATES_SHEET])


def test_a_tracker_worded_as_the_seeds_scores_as_the_explicit_one(tmp_path):
    explicit = load_tracker(write_tracker_openpyxl(tmp_path / "explicit.xlsx", **_sample_rows(False)))
    worded = load_tracker(write_tracker_openpyxl(tmp_path / "worded.xlsx", **_sample_rows(True)))
    assert explicit.issues == ()
    assert worded.errors == ()
    # One warning per worded target, at its Target Value cell (column I), saying how it was read.
    assert len(worded.warnings) == 11
    first = worded.warnings[0]
    assert str(first) == ('Objectives!I2: Target Value "15% increase" read as % change from baseline +15 %; type '
                          "the Target Type and a number to silence this")
    ops = next(w for w in worded.warnings if "2-week" in w.message)
    assert "read as Change from baseline -14 days" in ops.message
    # The same targets and types, so the same scores.
    assert [(o.target_type, o.target_value) for o in worded.objectives] == [
        (o.target_type, o.target_value) for o in explicit.objectives]
    assert rules.score(worded).kpis == rules.score(explicit).kpis


def test_a_contradiction_is_an_error_at_its_cell(tmp_path):
    rows = _sample_rows(True)
    rows["objectives"][5]["Target Value"] = "30% increase"  # CS-01, lower is better
    tracker = load_tracker(write_tracker_openpyxl(tmp_path / "bad.xlsx", **rows))
    assert [str(e) for e in tracker.errors] == [
        'Objectives!I7: Target Value "30% increase" asks for an increase, but the KPI\'s Direction is '
        '"Lower is better"; change the wording or the Direction']
    assert "CS-01" not in {o.kpi_id for o in tracker.objectives}
