"""Words that agree with a number: the grammar of the chapters' computed sentences.

A sentence the build fills in must read right whatever the data give: "1 CCG has", not "1 have";
"no PCNs", not "0 PCNs"; "Eleven CCGs said", not a sentence opening with "11"; "7 networks" for a
median of whole counts, not "7.0". The sections' modules build their conditional sentences from these
helpers, so each rule is written (and tested) once.

Counts inside a sentence stay digits, as the report prints them (`numbers.count`); only a count that
opens a sentence is spelt out, as house styles ask.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from pcnreport.report.numbers import count, decimal

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """A whole number from 0 to 999,999 in British words: 21 -> 'twenty-one', 135 -> 'one hundred and
    thirty-five', 2005 -> 'two thousand and five'."""
    if isinstance(n, float):
        if not n.is_integer():
            raise ValueError(f"only whole numbers have words here, not {n}")
        n = int(n)
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_words takes 0 to 999,999, not {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    if not rest:
        return f"{number_words(thousands)} thousand"
    # British usage keeps "and" before a last part under a hundred: "two thousand and five".
    joiner = " and " if rest < 100 else " "
    return f"{number_words(thousands)} thousand{joiner}{number_words(rest)}"


def capitalise(text: str) -> str:
    """The first letter upper case, the rest untouched ('sub-ICB location' -> 'Sub-ICB location')."""
    return text[:1].upper() + text[1:]


def noun(n: float, singular: str, plural: str | None = None) -> str:
    """The noun's form for n: singular for exactly one, plural otherwise (0 networks, 1.5 networks)."""
    return singular if n == 1 else (plural or singular + "s")


def verb(n: float, singular: str, plural: str) -> str:
    """The verb agreeing with a subject of n things: verb(1, 'has', 'have') -> 'has'."""
    return singular if n == 1 else plural


def counted(n: int, singular: str, plural: str | None = None, *, start: bool = False) -> str:
    """A count with its noun: '3 CCGs', '1 CCG', 'no CCGs'; opening a sentence (`start`), in words:
    'Three CCGs', 'One CCG', 'No CCGs'."""
    word = noun(n, singular, plural)
    if n == 0:
        return f"{'No' if start else 'no'} {word}"
    if start:
        return f"{capitalise(number_words(n))} {word}"
    return f"{count(n)} {word}"


def count_or_none(n: int, *, start: bool = False) -> str:
    """A count standing alone: 'none' for zero, else its digits (in words when it opens a sentence)."""
    if n == 0:
        return "None" if start else "none"
    return capitalise(number_words(n)) if start else count(n)


def whole_or_decimal(value: float, places: int = 1) -> str:
    """A statistic of whole counts (a median, a percentile): '7' when whole, '7.5' when not; '-' undefined.

    The median of whole counts is whole or halfway, and '7.0 networks' reads as a measurement."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if float(value).is_integer():
        return count(value)
    return decimal(value, places)


def join(items: list[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (no serial comma, as the report writes)."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def month_words(month: str) -> str:
    """'2020-04' -> 'April 2020'."""
    return dt.datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def release_area(release: str) -> str | None:
    """The area a release of one area names ('2020-01-pennine-lancashire' -> 'Pennine Lancashire'), else None."""
    match = re.match(r"\d{4}-\d{2}-(.+)$", release)
    return match[1].replace("-", " ").title() if match else None


def release_words(release: str) -> str:
    """'2020-01' -> 'January 2020'; a month and an area ('2020-01-pennine-lancashire') -> 'January 2020,
    Pennine Lancashire' (it reads in parentheses too); any other label as it is."""
    if not re.match(r"\d{4}-\d{2}(?:-|$)", release):
        return release
    area = release_area(release)
    return month_words(release[:7]) + (f", {area}" if area else "")
