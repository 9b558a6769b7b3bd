"""Targets typed as the organisation words them: "15% increase", "30% reduction", "+5 pp".

The seeds state targets in words, and staff type them that way into Target Value.
When Target Type is blank the reader turns the wording into Target Type + Target
Value (and says how it read it); wording that contradicts the KPI's Direction or an
explicit Target Type is refused. Percent change and percentage points never mix:
"15%" is a share of the baseline, "5 pp" is points added to it.

Pure: no workbook is touched here; read.py calls `read_target_wording`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Direction, TargetType


class TargetWordingError(ValueError):
    """The wording cannot be read, or contradicts the KPI; the message names the fix."""


@dataclass(frozen=True)
class TargetReading:
    target_type: TargetType
    value: float
    explained: str  # how it was read, for the warning: "% change from baseline +15"


_NUMBER = r"(?P<number>\d+(?:[.,]\d+)?)"
# "15% increase", "15 % rise", "increase of 15%", "30% reduction", "25% faster", "10% improvement"
_PERCENT_WORD = re.compile(
    rf"^(?:(?P<word1>increase|rise|growth|reduction|decrease|cut|drop|improvement)\s+(?:of\s+|by\s+)?)?"
    rf"[+-]?{_NUMBER}\s*%\s*(?P<word2>increase|rise|growth|higher|more|reduction|decrease|cut|drop|lower|less|"
    rf"fewer|faster|slower|improvement|better)?$")
# "+5 pp", "5 percentage points", "-3 pp reduction"
_POINTS = re.compile(
    rf"^(?P<sign>[+-])?\s*{_NUMBER}\s*(?:pp|p\.p\.|%\s*pts?|percentage[\s-]points?)"
    rf"(?:\s+(?P<word>increase|rise|higher|reduction|decrease|lower|improvement))?$")
# "2-week reduction", "3 day faster", "2 weeks shorter"
_DURATION = re.compile(
    rf"^{_NUMBER}[\s-]*(?P<unit>days?|weeks?)\s+(?P<word>reduction|decrease|cut|faster|shorter|less|fewer|"
    rf"increase|longer|more)$")
# "reach 90", "to 90", "90 or more", "at least 90", "at most 4"
_REACH = re.compile(rf"^(?:reach|to|hit|at least|at most|target of|target)\s+[+-]?{_NUMBER}$")

_UP = {"increase", "rise", "growth", "higher", "more", "longer"}
_DOWN = {"reduction", "decrease", "cut", "drop", "lower", "less", "fewer", "faster", "shorter"}
_BETTER = {"improvement", "better"}
_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _signed_for(direction: Direction, word: str | None, typed_sign: str, what: str) -> float:
    """+1 or −1 for the change the words ask for, checked against the KPI's Direction."""
    if word in _BETTER or word is None and not typed_sign:
        return 1.0 if direction is Direction.HIGHER else -1.0
    going_up = word in _UP if word else typed_sign == "+"
    better = going_up == (direction is Direction.HIGHER)
    if not better:
        way = "an increase" if going_up else "a reduction"
        raise TargetWordingError(
            f'{what} asks for {way}, but the KPI\'s Direction is "{direction.value}"; change the wording '
            "or the Direction")
    return 1.0 if going_up else -1.0


def read_target_wording(text: str, direction: Direction, unit: str = "") -> TargetReading:
    """Target Type and Target Value from the seeds' wording; TargetWordingError when unreadable."""
    shown = f'Target Value "{text}"'
    words = " ".join(str(text).strip().lower().split())
    typed_sign = words[:1] if words[:1] in "+-" else ""

    match = _POINTS.match(words)
    if match:
        sign = _signed_for(direction, match["word"], match["sign"] or "", shown)
        value = sign * _number(match["number"])
        return TargetReading(TargetType.CHANGE, value, f"{TargetType.CHANGE.value} {value:+g} (percentage points)")

    match = _PERCENT_WORD.match(words)
    if match:
        word = match["word2"] or match["word1"]
        if word is None and not typed_sign:
            raise TargetWordingError(
                f'{shown} gives a percentage without saying which way; write e.g. "15% increase", '
                '"15% reduction", or "+5 pp" for percentage points')
        sign = _signed_for(direction, word, typed_sign, shown)
        value = sign * _number(match["number"])
        return TargetReading(TargetType.PCT_CHANGE, value, f"{TargetType.PCT_CHANGE.value} {value:+g} %")

    match = _DURATION.match(words)
    if match:
        sign = _signed_for(direction, match["word"], "", shown)
        days = _number(match["number"]) * _DAYS[match["unit"]]
        unit_words = " ".join(unit.lower().split())
        per = next((n for name, n in (("day", 1), ("week", 7)) if unit_words in (name, name + "s")), None)
        if per is None:
            raise TargetWordingError(
                f'{shown} is a time, but the KPI\'s Unit "{unit}" is not days or weeks; set the Unit to days '
                "or weeks, or type the target as a number")
        value = sign * days / per
        return TargetReading(TargetType.CHANGE, value, f"{TargetType.CHANGE.value} {value:+g} {unit_words}")

    match = _REACH.match(words)
    if match:
        value = _number(match["number"]) * (-1 if "-" in words.split()[-1] else 1)
        return TargetReading(TargetType.ABSOLUTE, value, f"{TargetType.ABSOLUTE.value} {value:g}")

    raise TargetWordingError(
        f'{shown} is not a number or a wording we read; type a number, or e.g. "15% increase", '
        '"30% reduction", "+5 pp", "2-week reduction" or "reach 90"')


def check_against_type(reading: TargetReading, explicit: TargetType | None, text: str) -> None:
    """Wording that names another kind of target than an explicit Target Type is an error."""
    if explicit is not None and explicit is not reading.target_type:
        raise TargetWordingError(
            f'Target Value "{text}" reads as {reading.target_type.value}, but Target Type says '
            f'"{explicit.value}"; clear the Target Type or type the target as a number')
