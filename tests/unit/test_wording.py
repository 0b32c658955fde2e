"""The number-aware grammar helpers (report.wording) and each conditional sentence the sections build
from them, every branch, against sentences written out by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from pcnreport.analysis.ccg_configuration import CCG_LEVEL, SUB_ICB_LEVEL
from pcnreport.analysis.facts import Number
from pcnreport.report import changes, wording
from pcnreport.report.sections import ccg_configuration, facts, footprints, pcn_size, programme_theories, ventures

# --- The helpers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (11, "eleven"),
        (19, "nineteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (135, "one hundred and thirty-five"),
        (1000, "one thousand"),
        (2005, "two thousand and five"),
        (1250, "one thousand two hundred and fifty"),
        (6753, "six thousand seven hundred and fifty-three"),
        (999_999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
        (7.0, "seven"),
    ],
)
def test_number_words(n, words):
    assert wording.number_words(n) == words


@pytest.mark.parametrize("n", [-1, 1_000_000, 2.5])
def test_number_words_refuses_what_it_cannot_say(n):
    with pytest.raises(ValueError):
        wording.number_words(n)


@pytest.mark.parametrize(
    ("n", "start", "expected"),
    [
        (0, False, "no CCGs"),
        (1, False, "1 CCG"),
        (3, False, "3 CCGs"),
        (1250, False, "1,250 CCGs"),
        (0, True, "No CCGs"),
        (1, True, "One CCG"),
        (11, True, "Eleven CCGs"),
    ],
)
def test_counted(n, start, expected):
    assert wording.counted(n, "CCG", start=start) == expected


def test_counted_takes_an_irregular_plural():
    assert wording.counted(2, "sub-ICB location", "sub-ICB locations") == "2 sub-ICB locations"
    assert wording.counted(1, "sub-ICB location", "sub-ICB locations") == "1 sub-ICB location"
    assert wording.counted(2, "analysis", "analyses") == "2 analyses"


@pytest.mark.parametrize(("n", "expected"), [(0, "networks"), (1, "network"), (2, "networks"), (1.5, "networks")])
def test_noun(n, expected):
    assert wording.noun(n, "network") == expected


@pytest.mark.parametrize(("n", "expected"), [(0, "have"), (1, "has"), (7, "have")])
def test_verb(n, expected):
    assert wording.verb(n, "has", "have") == expected


def test_count_or_none():
    assert wording.count_or_none(0) == "none"
    assert wording.count_or_none(0, start=True) == "None"
    assert wording.count_or_none(1234) == "1,234"
    assert wording.count_or_none(5, start=True) == "Five"


@pytest.mark.parametrize(
    ("value", "expected"), [(7.0, "7"), (7, "7"), (7.5, "7.5"), (1234.0, "1,234"), (math.nan, "-"), (None, "-")]
)
def test_whole_or_decimal(value, expected):
    assert wording.whole_or_decimal(value) == expected


def test_join_and_capitalise():
    assert wording.join([]) == ""
    assert wording.join(["a"]) == "a"
    assert wording.join(["a", "b"]) == "a and b"
    assert wording.join(["a", "b", "c"], "or") == "a, b or c"
    assert wording.capitalise("sub-ICB location") == "Sub-ICB location"
    assert wording.capitalise("") == ""


# --- 6.1: sizes -----------------------------------------------------------------------------------------

PCN = ("PCN", "PCNs")


@pytest.mark.parametrize(
    ("n", "share", "expected"),
    [(726, "58%", "726 PCNs (58%) fall inside it"), (1, "0%", "1 PCN (0%) falls inside it"), (0, "0%", "no PCNs fall inside it")],
)
def test_the_band_named_first_agrees_with_its_count(n, share, expected):
    assert pcn_size.band_clause(n, share, ("falls inside it", "fall inside it"), PCN) == expected


@pytest.mark.parametrize(
    ("n", "share", "expected"), [(84, "7%", "84 (7%) are smaller"), (1, "0%", "1 (0%) is smaller"), (0, "0%", "none is smaller")]
)
def test_the_later_bands_agree_with_their_counts(n, share, expected):
    assert pcn_size.band_clause(n, share, ("is smaller", "are smaller")) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (77, "77 bring together ten practices or more, up to 30"),
        (1, "1 brings together 30 practices"),
        (0, "none brings together ten practices or more (the largest has 30)"),
    ],
)
def test_networks_of_ten_practices_or_more(n, expected):
    assert pcn_size.ten_or_more_clause(n, 30) == expected


# --- 6.3: commissioners ---------------------------------------------------------------------------------

CCG = ccg_configuration.LEVELS[CCG_LEVEL]
SUB_ICB = ccg_configuration.LEVELS[SUB_ICB_LEVEL]


@pytest.mark.parametrize(
    ("all_in", "none_in", "total", "words", "expected"),
    [
        (7, 1, 135, CCG, "7 CCGs have every network within it and 1 CCG has none"),
        (1, 2, 135, CCG, "1 CCG has every network within it and 2 CCGs have none"),
        (0, 3, 135, CCG, "no CCGs have every network within it and 3 CCGs have none"),
        (7, 0, 135, CCG, "7 CCGs have every network within it, and every CCG has at least one"),
        (135, 0, 135, CCG, "all 135 CCGs have every network within it"),
        (0, 135, 135, CCG, "no CCG has a network within it"),
        (2, 1, 106, SUB_ICB, "2 sub-ICB locations have every network within it and 1 sub-ICB location has none"),
    ],
)
def test_commissioners_with_all_or_none_of_their_networks_in_range(all_in, none_in, total, words, expected):
    assert ccg_configuration.in_range_clause(all_in, none_in, total, words) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (132, "and, among the 132 CCGs with two networks or more, is 2.4 times the size of the smallest at the median"),
        (1, "and, in the one CCG with two networks or more, is 2.4 times the size of the smallest"),
        (0, "and no CCG has two networks or more to compare"),
    ],
)
def test_largest_to_smallest_clause(n, expected):
    assert ccg_configuration.largest_to_smallest_clause(n, "2.4", CCG) == expected


# --- 6.4: ventures --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "expected"), [(212, "one of 212 federations"), (1, "the one federation"), (0, "a federation")])
def test_federations_phrase(n, expected):
    assert ventures.federations_phrase(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(166, "166 super-practices are recorded"), (1, "1 super-practice is recorded"), (0, "no super-practices are recorded")],
)
def test_super_practices_clause(n, expected):
    assert ventures.super_practices_clause(n) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {"stand_alone": 16, "one_plus_small": 150, "two": 3, "three_or_more": 2, "none": 1000},
            "Of the networks, 16 are each a super-practice on its own, 150 join one super-practice with smaller "
            "partners, 3 bring two super-practices together and 2 bring three super-practices or more together.",
        ),
        (
            # The synthetic sample's: no network brings two super-practices or more together.
            {"stand_alone": 16, "one_plus_small": 150, "two": 0, "three_or_more": 0},
            "Of the networks, 16 are each a super-practice on its own and 150 join one super-practice with "
            "smaller partners; none brings two super-practices or more together.",
        ),
        (
            {"stand_alone": 1, "one_plus_small": 0, "two": 1, "three_or_more": 0},
            "Of the networks, 1 is a super-practice on its own and 1 brings two super-practices together; none "
            "joins one super-practice with smaller partners or brings three super-practices or more together.",
        ),
        ({"stand_alone": 0, "one_plus_small": 0, "two": 0, "three_or_more": 0, "none": 9}, "None of the networks includes a super-practice."),
    ],
)
def test_configurations_sentence(counts, expected):
    assert ventures.configurations_sentence(counts) == expected


# --- 6.5: footprints ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urban", "rural", "expected"),
    [
        (
            "3.5",
            "3.1",
            "overlap is greater in urban MSOAs, where practices are close together and patients choose between "
            "them, than in rural ones (3.5 networks on average against 3.1)",
        ),
        ("2.9", "3.4", "overlap is greater in rural MSOAs than in urban ones (3.4 networks on average against 2.9)"),
        ("3.2", "3.2", "urban and rural MSOAs are served by as many networks on average (3.2)"),
        ("3.2", "-", "every MSOA classified is urban, so urban and rural areas cannot be compared"),
        ("-", "3.2", "every MSOA classified is rural, so urban and rural areas cannot be compared"),
    ],
)
def test_the_overlap_claim_follows_the_computed_comparison(urban, rural, expected):
    assert footprints.urban_rural_clause(urban, rural) == expected


@pytest.mark.parametrize(("any_", "threshold", "expected"), [("21.3", "3.5", "falls to"), ("3.5", "3.5", "is still")])
def test_threshold_verb(any_, threshold, expected):
    assert footprints.threshold_verb(any_, threshold) == expected


def test_single_network_shares():
    msoas = pd.DataFrame(
        {
            "pcns_1pct": [1, 2, 3, 2, 1, 4, 1],
            "rural": pd.array([False, False, False, False, True, True, pd.NA], dtype="boolean"),
        }
    )
    # Urban: 1 of 4 served by one network; rural: 1 of 2; the unclassified MSOA is in neither.
    assert footprints.single_network_shares(msoas) == {"urban": "25%", "rural": "50%"}
    assert footprints.single_network_shares(msoas.iloc[[0, 1, 2, 3, 6]]) == {"urban": "25%", "rural": "-"}


# --- Chapters 3 to 5: fixed facts opening a sentence ----------------------------------------------------


def test_fact_counts_get_words_to_open_a_sentence():
    numbers = {
        "mixed_models": Number("mixed_models", 11, "11", ""),
        "one": Number("one", 1, "1", ""),
        "provisions": Number("provisions", 106, "106", ""),
        "patients": Number("patients", 50000, "50,000", ""),  # too large to open a sentence in words
        "wte": Number("wte", 0.25, "0.25", ""),  # not a count
        "pounds": Number("pounds", 120, "£120", ""),  # money, not a count
    }
    assert facts.sentence_starts(numbers) == {"mixed_models": "Eleven", "one": "One", "provisions": "One hundred and six"}


# --- Chapter 3: Figure 3.1's alternative text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("highest", "alike", "expected"),
    [
        (11, 4, "Eleven interviewees put most weight on theme 1; 4 weight the three themes alike."),
        (1, 1, "One interviewee puts most weight on theme 1; 1 weights the three themes alike."),
        (0, 0, "No interviewees put most weight on theme 1; none weights the three themes alike."),
    ],
)
def test_emphasis_alt_text_agrees_with_its_counts(highest, alike, expected):
    found = {"interviewees": 16, "theme_1_highest": highest, "all_alike": alike}
    text = programme_theories.alt_text(found, synthetic=False)
    assert text.startswith("Horizontal stacked bars, one for each of 16 interviewees, each split")
    assert text.endswith(expected)


# --- Appendix C: the summary of what changed ------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((900, 3, 2, 4), "3 of the book's 900 numbers have a new value, 2 are new and 4 no longer appear"),
        ((900, 1, 1, 1), "1 of the book's 900 numbers has a new value, 1 is new and 1 no longer appears"),
        ((900, 0, 0, 0), "none of the book's 900 numbers has a new value, none is new and none has gone"),
    ],
)
def test_what_changed_summary(counts, expected):
    assert changes.summary_clause(*counts) == expected


@pytest.mark.parametrize(
    ("urban", "rural", "expected"),
    [
        ("2%", "40%", "In 40% of rural MSOAs and 2% of urban ones, only one network reaches the threshold."),
        ("2%", "-", "In 2% of urban MSOAs, only one network reaches the threshold."),
        ("-", "40%", "In 40% of rural MSOAs, only one network reaches the threshold."),
        ("-", "-", "No MSOA is classified urban or rural."),
    ],
)
def test_single_network_sentence(urban, rural, expected):
    assert footprints.single_network_sentence(urban, rural) == expected


def _config(median: float, one_pcn: int, level: str = CCG_LEVEL) -> SimpleNamespace:
    # Only what ccg_configuration.wording reads of a CcgConfiguration.
    return SimpleNamespace(
        level=level,
        distributions={"pcns": SimpleNamespace(median=median), "largest_to_smallest": SimpleNamespace(median=2.44)},
        one_pcn=one_pcn, all_in_range=7, none_in_range=1, ccg_count=135, two_or_more=132,
    )


@pytest.mark.parametrize(
    ("median", "expected"), [(7.0, "7 networks"), (7.5, "7.5 networks"), (1.0, "1 network"), (math.nan, "- networks")]
)
def test_median_networks_of_a_commissioner(median, expected):
    assert ccg_configuration.wording(_config(median, 3))["median_pcns"] == expected


@pytest.mark.parametrize(
    ("one_pcn", "level", "expected"),
    [
        (3, CCG_LEVEL, "3 CCGs have a single network"),
        (1, CCG_LEVEL, "1 CCG has a single network"),
        (0, CCG_LEVEL, "no CCGs have a single network"),
        (2, SUB_ICB_LEVEL, "2 sub-ICB locations have a single network"),
    ],
)
def test_commissioners_with_a_single_network(one_pcn, level, expected):
    words = ccg_configuration.wording(_config(7.0, one_pcn, level))
    assert words["single_pcn"] == expected
    assert words["largest_to_smallest"].endswith("is 2.4 times the size of the smallest at the median")


def _sizes(single: int, ten: int, more_than_ten: int, p10: float, without_list_size: int) -> SimpleNamespace:
    # Only what pcn_size.wording reads of PcnSizeResults: 10 PCNs, 6 within the range, 1 under, 3 over.
    shares = {"within": 0.6, "under": 0.1, "over": 0.3}
    return SimpleNamespace(
        bands=SimpleNamespace(within=6, under=1, over=3, share=shares.get),
        extremes=SimpleNamespace(single_practice=single, ten_or_more=ten, more_than_ten=more_than_ten),
        practices=SimpleNamespace(maximum=12, p10=p10),
        practices_without_list_size=without_list_size,
    )


def test_size_wording_for_many():
    words = pcn_size.wording(_sizes(single=34, ten=3, more_than_ten=2, p10=3.0, without_list_size=194))
    assert words["within"] == "6 PCNs (60%) fall inside it"
    assert words["under"] == "1 (10%) is smaller"
    assert words["over"] == "3 (30%) are larger"
    assert words["single"] == "34 PCNs consist of a single practice"
    assert words["p10_practices"] == "3 practices"
    assert words["ten_or_more_edition"] == "3 PCNs have ten or more practices and 2 more than ten"
    assert words["practices_without_list_size"] == "194"


def test_size_wording_for_one_and_none():
    words = pcn_size.wording(_sizes(single=1, ten=1, more_than_ten=0, p10=1.0, without_list_size=0))
    assert words["single"] == "1 PCN consists of a single practice"
    assert words["ten_or_more"] == "1 brings together 12 practices"
    assert words["p10_practices"] == "1 practice"
    assert words["ten_or_more_edition"] == "1 PCN has ten or more practices and none more than ten"
    assert words["practices_without_list_size"] == "none"
    words = pcn_size.wording(_sizes(single=0, ten=0, more_than_ten=0, p10=2.0, without_list_size=0))
    assert words["single"] == "no PCNs consist of a single practice"
    assert words["ten_or_more_edition"] == "no PCNs have ten or more practices and none more than ten"
